"""Scrapy settings for every spider: polite by default, bounded when a site breaks."""

BOT_NAME = "callmatch"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = "callmatch/0.1 (grant-call matching for the Social Innovation Centre, Latvia; +https://sic.lv)"
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_TIMEOUT = 60
RETRY_TIMES = 2
# A broken site stops the crawl instead of filling the log.
CLOSESPIDER_ERRORCOUNT = 25

ITEM_PIPELINES = {
    "crawlers.pipelines.ValidateItem": 100,
    "crawlers.pipelines.StoreItems": 300,
}
EXTENSIONS = {"crawlers.pipelines.RunRecorder": 500}

TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no control port listening during crawls
LOG_LEVEL = "INFO"
LOG_INSTALL_ROOT_HANDLER = False  # `callmatch` configures logging itself
LOG_FORMATTER = "crawlers.pipelines.BriefLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"
