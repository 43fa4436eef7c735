"""What the evaluators made of a bid: the scores of its evaluation summary report and what they said, checked as
a form gives them, kept with the bid's outcome, and said the same way wherever they are read (the call's page,
its series coming back, the Pipeline, the Programmes page, the digest, the register).
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation

from .errors import CallmatchError
from .text import counted


class InvalidEvaluation(CallmatchError):
    pass


# A bid that ended won or lost was evaluated: its evaluation summary report gives a score out of the
# programme's maximum, the threshold a proposal had to reach and, often, the lowest score the call funded
# (how close a lost bid came), with what the evaluators said. The outcome form asks for them, all optional.
EVALUATED = ("won", "lost")
EVALUATION_NUMBERS = {"score": "The score", "out_of": "The maximum score", "threshold": "The threshold",
                      "funded_from": "The lowest score funded"}
# A decision's evaluation as queries select it (`d`: the decisions table), for `evaluation_of`.
EVALUATION_COLUMNS = ", ".join(f"d.evaluation_{key}" for key in (*EVALUATION_NUMBERS, "criteria", "comments"))
# The report's comments run to a few pages: strengths and weaknesses under each criterion.
MAX_EVALUATION_COMMENTS = 20_000
# numeric(7, 2): every programme's scale fits (Horizon Europe's 15, Erasmus+'s 100).
MAX_SCORE = Decimal("99999.99")
# A report scores three to five criteria; a name as long as the longest Erasmus+ criterion, with room to spare.
MAX_CRITERIA = 8
MAX_CRITERION_NAME = 120
# The criteria a programme's reports score, where its rules name them, by the start of a portal topic's
# identifier (the first that matches), with each one's maximum where the rules fix it: the outcome form offers
# them, to type each score beside (Erasmus+ sets each maximum per action).
USUAL_CRITERIA = (
    ("HORIZON-", (("Excellence", 5), ("Impact", 5), ("Quality and efficiency of the implementation", 5))),
    ("ERASMUS-", (("Relevance of the project", None), ("Quality of the project design and implementation", None),
                  ("Quality of the partnership and the cooperation arrangements", None), ("Impact", None))),
)
# How a report numbers a criterion before its name ("Criterion 1 - Excellence", "1. Relevance", "b) Impact",
# "Award criterion 2:") and what it adds after it ("(maximum 30 points)", "(threshold 3)"): neither tells one
# criterion from another, so "Criterion 1 - Excellence" and "Excellence" are counted as one (`criterion_name`).
_NUMBERING = re.compile(r"^(?:(?:award\s+)?criterion\s*)?(?:\d{1,2}(?:\s*[.:)\-–—]\s*|\s+)"
                        r"|(?:[ivx]{1,4}|[a-e])\s*[.:)\-–—]\s*)", re.IGNORECASE)
_SCALE_NOTE = re.compile(r"\s*\([^()]*\b(?:max(?:imum)?|points?|threshold|score)\b[^()]*\)\s*$", re.IGNORECASE)
# How the report scores where the programme's rules fix it, by the start of a portal topic's identifier (the
# first that matches): a hint beside the form, not a default, since a call's own conditions may differ.
USUAL_SCALES = (
    ("HORIZON-MSCA-", "Marie Skłodowska-Curie proposals are scored out of 100, with a threshold of 70."),
    ("HORIZON-", "Horizon Europe proposals are usually scored out of 15 (0 to 5 for each of three criteria),"
                 " with a threshold of 10 and of 3 for each criterion."),
    ("ERASMUS-", "Erasmus+ proposals are scored out of 100; the call sets the thresholds."),
)


def scores_record(scored: int, mean_share) -> str | None:
    """"2 scored bids averaged 85% of the maximum": the evaluators' scores the team recorded in a programme, each
    as a share of its report's maximum (Horizon Europe scores out of 15, Erasmus+ out of 100). None before any."""
    if not scored:
        return None
    verb = "averaged" if scored > 1 else "got"
    return f"{counted(scored, 'scored bid')} {verb} {float(mean_share):.0%} of the maximum"


def score_shares(rows) -> list:
    """Each scored bid's score as a share of its report's maximum: programmes score out of 15 or 100, and only
    the shares compare."""
    return [row["evaluation_score"] / row["evaluation_out_of"] for row in rows
            if row.get("evaluation_score") is not None]


def usual_scale(call: dict) -> str | None:
    """How an evaluation summary report scores the call's proposals, where its programme's rules say (a
    sentence); None where they do not."""
    return next((said for start, said in USUAL_SCALES if (call.get("identifier") or "").startswith(start)), None)


def criteria_rows(call: dict, evaluation: dict | None) -> list[dict]:
    """The outcome form's rows of criteria ({name, score, out_of} as text): those recorded (or typed, on a form
    sent back) with a blank row to add one, or else the programme's usual criteria (`USUAL_CRITERIA`) with a
    blank row for any other, or three blank rows; at most MAX_CRITERIA."""
    given = [{key: "" if c.get(key) is None else str(c[key]) for key in ("name", "score", "out_of")}
             for c in (evaluation or {}).get("criteria") or [] if any(c.values())]
    if not given:
        usual = next((criteria for start, criteria in USUAL_CRITERIA
                      if (call.get("identifier") or "").startswith(start)), ())
        given = [{"name": name, "score": "", "out_of": "" if out_of is None else str(out_of)}
                 for name, out_of in usual]
    blank = {"name": "", "score": "", "out_of": ""}
    return (given + [dict(blank) for _ in range(max(1, 3 - len(given)))])[:MAX_CRITERIA]


def _score(label: str, raw: str) -> Decimal:
    """A score as a form gives it ("12.5", or "12,5" as Latvian writes it); InvalidEvaluation saying what would
    do."""
    try:
        value = Decimal(raw.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value > MAX_SCORE:
        raise InvalidEvaluation(f"{label} is a number such as 12.5; {raw!r} is not.")
    return value.quantize(Decimal("0.01"))


def checked_evaluation(values: dict | None) -> dict:
    """An evaluation as stored, from what a form or a caller gave (`EVALUATION_NUMBERS` as text or numbers,
    blank: not given, and `comments`): numbers as Decimal or None, the comments stripped. InvalidEvaluation
    naming every problem at once: a number that is not one, a score without the maximum it is out of, one above
    that maximum, comments too long."""
    values = values or {}
    unknown = sorted(set(values) - set(EVALUATION_NUMBERS) - {"criteria", "comments"})
    if unknown:
        raise InvalidEvaluation(f"An evaluation gives {', '.join(EVALUATION_NUMBERS)}, criteria and comments;"
                                f" not {', '.join(unknown)}.")
    problems, numbers = [], {}
    for key, label in EVALUATION_NUMBERS.items():
        raw = "" if values.get(key) is None else str(values[key]).strip()
        try:
            numbers[key] = _score(label, raw) if raw else None
        except InvalidEvaluation as problem:
            problems.append(str(problem))
            numbers[key] = None
    out_of = numbers["out_of"]
    if out_of == 0:
        problems.append("The maximum score must be more than 0.")
    elif out_of is None and any(numbers[key] is not None for key in ("score", "threshold", "funded_from")):
        problems.append("Say what the scores are out of: the report gives the maximum (15 in most of Horizon"
                        " Europe, 100 in Erasmus+).")
    elif out_of is not None:
        problems += [f"{EVALUATION_NUMBERS[key]} ({plain_number(numbers[key])}) is above the maximum"
                     f" ({plain_number(out_of)})." for key in ("score", "threshold", "funded_from")
                     if numbers[key] is not None and numbers[key] > out_of]
    criteria = _checked_criteria(values.get("criteria") or [], problems)
    comments = str(values.get("comments") or "").replace("\r\n", "\n").strip()
    if len(comments) > MAX_EVALUATION_COMMENTS:
        problems.append(f"What the evaluators said can be at most {MAX_EVALUATION_COMMENTS:,} characters; this has"
                        f" {len(comments):,}. Keep the weaknesses, which next year's application answers.")
    if problems:
        raise InvalidEvaluation(" ".join(problems))
    return {**numbers, "criteria": criteria, "comments": comments}


def _checked_criteria(rows: list[dict], problems: list[str]) -> list[dict]:
    """The scores under each criterion a form or a caller gave ({name, score, out_of}; a row without a score
    is not given, whatever its name), each number a Decimal; every problem added to `problems`: a score with no
    name, or with no maximum, one above its maximum, a criterion named twice, more than MAX_CRITERIA."""
    criteria, seen = [], set()
    for row in rows:
        name = " ".join(str(row.get("name") or "").split())
        raw = {key: "" if row.get(key) is None else str(row[key]).strip() for key in ("score", "out_of")}
        if not raw["score"]:
            continue
        key = criterion_name(name).casefold()
        label = f"The score for “{name}”" if name else "A criterion's score"
        try:
            score = _score(label, raw["score"])
            out_of = _score(f"The maximum for “{name or 'a criterion'}”", raw["out_of"]) if raw["out_of"] else None
        except InvalidEvaluation as problem:
            problems.append(str(problem))
            continue
        if not name:
            problems.append(f"Name the criterion scored {plain_number(score)}, as the report names it.")
        elif len(name) > MAX_CRITERION_NAME:
            problems.append(f"A criterion's name can be at most {MAX_CRITERION_NAME} characters.")
        elif key in seen:
            problems.append(f"“{criterion_name(name)}” is named twice: give each criterion once.")
        if not out_of:
            problems.append(f"Say what {label[0].lower()}{label[1:]} is out of (5 in Horizon Europe).")
        elif score > out_of:
            problems.append(f"{label} ({plain_number(score)}) is above its maximum ({plain_number(out_of)}).")
        seen.add(key)
        criteria.append({"name": name, "score": score, "out_of": out_of})
    if len(criteria) > MAX_CRITERIA:
        problems.append(f"A report scores at most {MAX_CRITERIA} criteria here; this gives {len(criteria)}.")
    return criteria


# A score as a pasted evaluation summary report writes it. The Funding & Tenders Portal's reports say
# "Total score: 11.50 (Threshold: 10)" once, and under each criterion's heading ("Criterion 1 - Excellence")
# "Score: 4.00 (Threshold: 3/5.00 , Weight: 100.00%)"; other reports write "Score: 25/30" or "4 out of 5",
# or a line per criterion in points (`_POINTS_LINE`).
# No real report is recorded here: the tests' reports are constructed from that layout.
_NUMBER = r"(\d{1,5}(?:[.,]\d{1,2})?)"
_SCORE = re.compile(rf"\bscore\s*[:=]?\s*{_NUMBER}(?:\s*(?:/|out\s+of|of)\s*{_NUMBER})?"
                    rf"(?:\s*\(\s*threshold\s*[:=]?\s*{_NUMBER}(?:\s*/\s*{_NUMBER})?[^()\n]*\)?)?", re.IGNORECASE)
_TOTAL = re.compile(r"\b(?:total|overall)\s+$", re.IGNORECASE)
# Reports that give no "Score:" write a line per criterion: "Relevance of the project: 25/30 points".
_POINTS_LINE = re.compile(rf"^[ \t]*([^\n:]{{2,160}}?)[ \t]*[:\-–—][ \t]*{_NUMBER}[ \t]*(?:/|out[ \t]+of|of)[ \t]*"
                          rf"{_NUMBER}[ \t]*(?:points?|pts\.?)?[ \t]*$", re.IGNORECASE | re.MULTILINE)
_TOTAL_NAME = re.compile(r"^(?:total|overall)(?:\s+score)?$", re.IGNORECASE)


def read_report(text: str) -> dict:
    """The scores an evaluation summary report pasted as text gives: the total (`score`, with `out_of` where
    it says the maximum, and its `threshold`) and each criterion's (`criteria`: {name, score, out_of}, named by
    its heading, the line before its score or the words before it on the same line). Numbers as the report
    writes them; only what it found. A total without a maximum is out of the criteria's maxima added up, where
    each has one (Horizon Europe's 5 + 5 + 5)."""
    found: dict = {}
    criteria: list[dict] = []
    last = 0  # where the previous score ended: a report copied from a PDF may run on in one line
    for match in _SCORE.finditer(text or ""):
        start = text.rfind("\n", 0, match.start()) + 1
        before, last = text[max(start, last):match.start()], match.end()
        score, out_of, threshold, scale = match.groups()
        if _TOTAL.search(before):
            if "score" not in found:
                found.update(score=score, out_of=out_of, threshold=threshold)
            continue
        name = before.strip(" \t:;,-–—)")
        if not name:  # the heading is the line above, as the portal lays a report out
            lines = [line.strip() for line in text[:start].splitlines() if line.strip()]
            name = lines[-1] if lines else ""
        name = criterion_name(name)
        if _heading(name) and len(criteria) < MAX_CRITERIA:
            criteria.append({"name": name, "score": score, "out_of": out_of or scale})
    if not found and not criteria:
        _read_points_lines(text or "", found, criteria)
    if criteria:
        found["criteria"] = criteria
    if found.get("score") and not found.get("out_of") and criteria and all(c["out_of"] for c in criteria):
        found["out_of"] = plain_number(sum(_score("A criterion's maximum", c["out_of"]) for c in criteria))
    return {key: value for key, value in found.items() if value}


def _read_points_lines(text: str, found: dict, criteria: list[dict]) -> None:
    """The total and the criteria of a report written a line each ("Impact: 22/30 points"), into `found` and
    `criteria`; a line whose first number is above its second (a date, "12/05") is not a score."""
    for line in _POINTS_LINE.finditer(text):
        name, score, out_of = line.groups()
        if _score("A score", score) > _score("Its maximum", out_of):
            continue
        if _TOTAL_NAME.match(name.strip()):
            found.setdefault("score", score)
            found.setdefault("out_of", out_of)
        elif _heading(name := criterion_name(name)) and len(criteria) < MAX_CRITERIA:
            criteria.append({"name": name, "score": score, "out_of": out_of})


def _heading(name: str) -> bool:
    """Whether words before a score can name a criterion: a heading of a few words ("Quality of the partnership
    and the cooperation arrangements"), not a sentence of the evaluators' comments."""
    return 0 < len(name) <= MAX_CRITERION_NAME and len(name.split()) <= 12 and not re.search(r"[.!?]\s|\bscore\b",
                                                                                           name, re.IGNORECASE)


def filled_from_report(evaluation: dict) -> tuple[dict, list[str]]:
    """An outcome form's evaluation with what its pasted comments' report gives (`read_report`) in the numbers
    left blank, and the criteria where none was scored; with what was read, said for the user to check
    ("the score 11.5 of 15", "the threshold 10", "Excellence 4 of 5"). What was typed always stands."""
    read = read_report(evaluation.get("comments") or "")
    filled, said = dict(evaluation), []
    for key in ("score", "out_of", "threshold"):
        if read.get(key) and not str(evaluation.get(key) or "").strip():
            filled[key] = read[key]
    if filled.get("score") != evaluation.get("score"):
        said.append(f"the score {_as_said(filled['score'], filled.get('out_of'))}")
    elif filled.get("out_of") != evaluation.get("out_of"):
        said.append(f"the maximum {_as_said(filled['out_of'])}")
    if filled.get("threshold") != evaluation.get("threshold"):
        said.append(f"the threshold {_as_said(filled['threshold'])}")
    typed = [c for c in evaluation.get("criteria") or [] if str(c.get("score") or "").strip()]
    if read.get("criteria") and not typed:
        filled["criteria"] = read["criteria"]
        said += [f"{c['name']} {_as_said(c['score'], c['out_of'])}" for c in read["criteria"]]
    return filled, said


def _as_said(number: str, out_of: str | None = None) -> str:
    """A number read from a report as pages say scores ("4.00" as 4, "3,5" as 3.5), with its maximum."""
    plain = plain_number(_score("A score", number))  # read as the form reads it
    return f"{plain} of {_as_said(out_of)}" if out_of else plain


def criterion_name(name: str) -> str:
    """A criterion's name without the report's numbering before it or its scale after it, spaces collapsed:
    "Criterion 1 - Excellence" and "1. Excellence (threshold 3)" are "Excellence". A name that would be
    nothing without them stays as it is."""
    plain = " ".join(str(name).split())
    bare = _SCALE_NOTE.sub("", _NUMBERING.sub("", plain)).strip(" :;,.-–—")
    return bare or plain


def plain_number(value) -> str:
    """A score as the report writes it: 12.5, 15 (not 12.50, 15.00)."""
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def evaluation_of(decision: dict) -> dict | None:
    """The decision's evaluation as its history keeps it (numbers as text, `plain_number`); None where none
    was recorded."""
    evaluation = {key: None if decision.get(f"evaluation_{key}") is None
                  else plain_number(decision[f"evaluation_{key}"]) for key in EVALUATION_NUMBERS}
    evaluation["criteria"] = [{"name": c["name"], "score": plain_number(c["score"]),
                               "out_of": plain_number(c["out_of"])} for c in decision.get("evaluation_criteria") or []]
    evaluation["comments"] = decision.get("evaluation_comments") or ""
    return evaluation if any(evaluation.values()) else None


def evaluation_summary(evaluation: dict | None) -> str | None:
    """"scored 12.5 of 15: above the threshold of 10, 0.5 short of the lowest score funded (13)": the score
    against what it had to reach and what was funded. None without a score."""
    if not evaluation or evaluation.get("score") is None:
        return None
    score, out_of = Decimal(str(evaluation["score"])), evaluation["out_of"]
    said = []
    if evaluation.get("threshold") is not None:
        threshold = Decimal(str(evaluation["threshold"]))
        where = "above" if score > threshold else "at" if score == threshold else "below"
        said.append(f"{where} the threshold of {plain_number(threshold)}")
    if evaluation.get("funded_from") is not None:
        funded = Decimal(str(evaluation["funded_from"]))
        lowest = f"the lowest score funded ({plain_number(funded)})"
        said.append(f"{plain_number(funded - score)} short of {lowest}" if score < funded
                    else f"as much as {lowest}" if score == funded else f"above {lowest}")
    return f"scored {plain_number(score)} of {plain_number(out_of)}" + (f": {', '.join(said)}" if said else "")


def scored(decision: dict) -> str:
    """What the evaluators scored a bid, as `evaluation_summary` says it, from the decision's columns; '' where
    no score was recorded."""
    return evaluation_summary(evaluation_of(decision)) or ""


def outcome_said(decision: dict) -> str:
    """"lost, scored 12.5 of 15: above the threshold of 10, …": how a bid ended, with its score where one was
    recorded ('' before any outcome)."""
    if not decision.get("outcome"):
        return ""
    return decision["outcome"] + (f", {said}" if (said := scored(decision)) else "")


def evaluation_columns(evaluation: dict) -> dict:
    """A checked evaluation (`checked_evaluation`) as the decisions table's columns hold it (the criteria as a
    list, for a jsonb column: numbers as the report writes them)."""
    return {f"evaluation_{key}": evaluation.get(key) for key in EVALUATION_NUMBERS} | {
        "evaluation_criteria": [{"name": c["name"], "score": plain_number(c["score"]),
                                 "out_of": plain_number(c["out_of"])} for c in evaluation.get("criteria") or []],
        "evaluation_comments": evaluation.get("comments") or ""}


def criteria_said(evaluation: dict | None) -> str:
    """"Excellence 4.5 of 5, Impact 3.5 of 5": the scores under each criterion; '' where none was recorded."""
    return ", ".join(f"{c['name']} {plain_number(c['score'])} of {plain_number(c['out_of'])}"
                     for c in (evaluation or {}).get("criteria") or [])


def criteria_scored(decision: dict) -> str:
    """`criteria_said` from the decision's columns: "Excellence 4.5 of 5, Impact 3.5 of 5"; '' for none."""
    return criteria_said(evaluation_of(decision))


def by_criterion(decisions) -> list[dict]:
    """Across the bids' evaluations (decisions with `evaluation_criteria`), each criterion (told apart by its
    name, whatever its case and the report's numbering: `criterion_name`) with how many bids it was scored in
    (`bids`) and the mean of its scores as shares of their maximum (`share`), the lowest first: where the
    evaluators keep taking points off. Its `name` is the spelling most used, without the numbering (capitals
    first on a tie: "Impact" over "impact")."""
    found: dict[str, dict] = {}
    for decision in decisions:
        for c in decision.get("evaluation_criteria") or []:
            name = criterion_name(c["name"])
            entry = found.setdefault(name.casefold(), {"names": Counter(), "shares": []})
            entry["names"][name] += 1
            entry["shares"].append(Decimal(str(c["score"])) / Decimal(str(c["out_of"])))
    return sorted(({"name": min(e["names"], key=lambda name: (-e["names"][name], name)), "bids": len(e["shares"]),
                    "share": sum(e["shares"]) / len(e["shares"])} for e in found.values()),
                  key=lambda e: (e["share"], e["name"]))
