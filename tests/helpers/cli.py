"""Run `callmatch` in a child process, as a user would, against the test's own servers."""

import os
import subprocess
import sys


def run_callmatch(*args, settings, env=None, timeout=300, input=None):
    full_env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "CALLMATCH_DATA_DIR": str(settings.data_dir),
        "CALLMATCH_SHARED_DIR": str(settings.shared_dir),
        "SECRET_KEY": settings.secret_key or "test",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-c", "from cli.main import main; main()", *map(str, args)],
        capture_output=True, text=True, env=full_env, timeout=timeout, input=input,
    )
