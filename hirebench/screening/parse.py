"""Resume text -> ResumeFields, with regular expressions only.

The input is text already extracted from a PDF/DOCX/TXT file and NFKC-normalised, line
breaks kept. Layouts vary, so every rule works line by line and leans on what resumes share:
section headings, dates in ranges, company suffixes, proficiency words next to skill names.
Patterns are compiled once at import and written to run in linear time (possessive
quantifiers, literal prefixes the engine can skip to, one search over the whole text rather
than one per line): a resume of the evaluation set parses in about half a millisecond.
"""

from __future__ import annotations

import bisect
import re
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from hirebench.jobs.profile import SKILL_LEVELS
from hirebench.screening.fields import PRESENT, Employment, ResumeFields, Salary, SkillClaim
from hirebench.screening.synonyms import (
    CASE_SENSITIVE,
    LEVEL_WORDS,
    NEGATIONS,
    POSTFIX_LEVEL_WORDS,
    SKILL_SYNONYMS,
)

_CJK = r"\u4e00-\u9fff"
_NEGATED = "negated"  # a level mark that denies the skill ("unfamiliar with ...")


_SPACES_HYPHENS = re.compile(r"[\s-]+")


def _key(text: str) -> str:
    """Lookup key of a matched form: case, spaces and hyphens do not matter."""
    return _SPACES_HYPHENS.sub("", text).lower()


def _form_pattern(form: str) -> str:
    body = r"[ \t-]*".join(re.escape(word) for word in form.split(" "))
    if form[-1].isascii() and form[-1].isalnum():
        body += r"(?![A-Za-z0-9_])"  # a whole word; its start is checked in _Forms.find
    return body


_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def _fold(text: str) -> str:
    """Lower-cased with every position kept, so offsets carry over to the original."""
    folded = text.lower()
    if len(folded) != len(text):  # a rare letter lower-cases to two ("İ"): ASCII only
        folded = text.translate(_ASCII_LOWER)
    return folded


class _Forms:
    """Finds surface forms in text. The search runs over every resume's whole text, so it is
    built for speed: a plain alternation of literals over ASCII-lower-cased text (lengths
    unchanged) lets the regex engine skip to possible first characters, and the word-start
    check is done here rather than with a lookbehind that would defeat that skip."""

    def __init__(self, forms: Iterable[str]) -> None:
        # Longest first: "熟练掌握" before "熟练", "data annotation" before "annotation".
        ordered = sorted(set(forms), key=len, reverse=True)
        folded = [form.translate(_ASCII_LOWER) for form in ordered if form not in CASE_SENSITIVE]
        exact = [form for form in ordered if form in CASE_SENSITIVE]
        self._folded = re.compile("|".join(map(_form_pattern, folded)))
        self._exact = re.compile("|".join(map(_form_pattern, exact))) if exact else None

    def find(self, text: str) -> list[tuple[int, int]]:
        spans = self._scan(self._folded, _fold(text))
        if self._exact is None:
            return spans
        kept: list[tuple[int, int]] = []
        for start, end in sorted(
            spans + self._scan(self._exact, text), key=lambda s: (s[0], -s[1])
        ):
            if not kept or start >= kept[-1][1]:
                kept.append((start, end))
        return kept

    @staticmethod
    def _scan(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
        spans, pos = [], 0
        while (m := pattern.search(text, pos)) is not None:
            start, end = m.span()
            prev = text[start - 1] if start else " "
            # Latin forms start a word ("py" not in "happy", "ML" not in "HTML"), two-letter
            # ones not after a dot either ("main.py").
            if text[start].isascii() and (
                (prev.isascii() and (prev.isalnum() or prev == "_"))
                or (end - start <= 2 and prev == ".")
            ):
                pos = start + 1
                continue
            spans.append((start, end))
            pos = end
        return spans


_SKILL_TAG = {_key(form): tag for tag, forms in SKILL_SYNONYMS.items() for form in forms}
_SKILL_FORMS = _Forms(form for forms in SKILL_SYNONYMS.values() for form in forms)
_LEVEL_OF = {_key(word): level for word, level in LEVEL_WORDS} | {
    _key(word): _NEGATED for word in NEGATIONS
}
_LEVEL_FORMS = _Forms([word for word, _ in LEVEL_WORDS] + list(NEGATIONS))
_POSTFIX_LEVELS = {_key(word) for word in POSTFIX_LEVEL_WORDS}

_CN_NUMBERS = {"一": 1.0, "二": 2.0, "两": 2.0, "三": 3.0, "四": 4.0, "五": 5.0, "六": 6.0}
_CN_NUMBERS |= {"七": 7.0, "八": 8.0, "九": 9.0, "十": 10.0, "半": 0.5}
# "3年", "5+ years", "2-3 yrs" (the lower bound counts), "三年", "半年". Not "2021年" (a
# date), "3年级", "25 years old".
_YEARS_RE = re.compile(
    r"(?:(?<![\d.])(?P<n>\d{1,2}(?:\.\d+)?)(?:\s*+[-~–]\s*+\d{1,2}(?:\.\d+)?)?+\s*+(?:\+\s*+)?"
    r"|(?P<cn>[一二两三四五六七八九十半]))"
    r"(?:年(?![级度])(?!\s*\d{1,2}\s*月)|(?:years?|yrs?)(?![A-Za-z])(?!\s+old))",
    re.IGNORECASE,
)

# Clauses: a level or a number of years belongs to skills in its own clause. "、" and "and"
# join a list, they do not end a clause; a dot does only before a space ("Node.js", "2.5").
_CLAUSE_SEP = re.compile(r"[，,；;。!?！？]|\.(?=\s|$)")
# What may stand between a skill and the level or years annotating it: "Python (expert)",
# "Python：3年", "Python | 精通".
# Possessive quantifiers (*+, ?+) throughout: no backtracking, so a long run of spaces from a
# flattened table costs linear time, not quadratic.
_AFTER_GAP = re.compile(r"\s*+[:：(（\[【|/\-–—=]\s*+")
_LEVEL_BEFORE_GAP = re.compile(
    r"\s*+(?:(?:in|with|at|of|using)\s++|(?:使用|运用|[:：])\s*+)?+", re.I
)
_YEARS_BEFORE_GAP = re.compile(
    r"\s*+(?:以上|左右|多)?+的?+\s*+(?:of\s++)?+(?:(?:hands-on|professional|commercial)\s++)?+"
    r"(?:experience\s++)?+(?:(?:in|with|of|using)\s++|(?:使用|运用)\s*+)?+",
    re.I,
)
# Between a skill and a level word further off: other skills and list joiners do not count.
_JOINERS = re.compile(r"\s+|\band\b|\bor\b|[&、/+]|和|及|与|以及", re.I)
_NEAR = 12  # characters; beyond this a level word in the clause is about something else
# A clause without a skill that only annotates the previous one: "Python: expert, 3 years".
_FILLER = re.compile(
    r"(?:使用经验|开发经验|经验|使用|开发|以上|左右|的|多|of|experience|exp|with|it"
    r"|hands-on|年限|水平|程度|level|[\s\W_])*+",
    re.I,
)
# Emails and links name things that look like skills ("py@..", ".../ml-notes"). The pattern
# starts with literals so the engine skips ahead; an email's local part is found backwards.
_LINK_RE = re.compile(r"https?://\S+|www\.\S+|@\S+")
_CV_TITLE = re.compile(r"简历|resume|résumé|curriculum|vitae", re.I)


@dataclass(frozen=True)
class _Mark:
    start: int
    end: int
    value: str | float  # a level (or _NEGATED) or years
    word: str  # lookup key of the matched text


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    tag: str


def _starts(spans: Sequence[_Mark] | Sequence[_Mention]) -> list[int]:
    return [span.start for span in spans]


def _overlaps(skills: Sequence[_Mention], starts: Sequence[int], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the skills (sorted and disjoint)."""
    i = bisect.bisect_left(starts, end) - 1
    return i >= 0 and skills[i].end > start


def _level_marks(line: str, skills: Sequence[_Mention], starts: Sequence[int]) -> list[_Mark]:
    marks = []
    for start, end in _LEVEL_FORMS.find(line):
        # "基础" inside "机器学习基础" is part of the skill's name.
        if not _overlaps(skills, starts, start, end):
            word = _key(line[start:end])
            marks.append(_Mark(start, end, _LEVEL_OF[word], word))
    return marks


def _years_marks(line: str, skills: Sequence[_Mention], starts: Sequence[int]) -> list[_Mark]:
    marks = []
    for m in _YEARS_RE.finditer(line):
        value = float(m.group("n")) if m.group("n") else _CN_NUMBERS[m.group("cn")]
        if 0 < value <= 50 and not _overlaps(skills, starts, m.start(), m.end()):
            marks.append(_Mark(m.start(), m.end(), value, ""))
    return marks


def _distance(line: str, a: int, b: int, skills: Sequence[_Mention], starts: Sequence[int]) -> int:
    """Characters between a and b, not counting skill names and list joiners."""
    pieces, pos = [], a
    for skill in skills[bisect.bisect_left(starts, a) :]:
        if skill.end > b:
            break
        pieces.append(line[pos : skill.start])
        pos = skill.end
    pieces.append(line[pos:b])
    return len(_JOINERS.sub("", "".join(pieces)))


def _assign(
    skills: Sequence[_Mention],
    marks: Sequence[_Mark],
    line: str,
    gap_re: re.Pattern[str],
    postfix: Callable[[_Mark], bool],
) -> list[_Mark | None]:
    """For each skill of a clause the mark that belongs to it, if any: one annotating it
    right after ("Python (expert)", "Python基础"), else one right before ("精通Python",
    "5 years of Python"), else the nearest in the clause."""
    if not marks:
        return [None] * len(skills)
    skill_starts = _starts(skills)
    # Skills and marks are disjoint: marks[i] is the first mark after each skill.
    mark_starts = _starts(marks)
    split = [bisect.bisect_left(mark_starts, skill.end) for skill in skills]
    after: list[_Mark | None] = []
    for skill, i in zip(skills, split, strict=True):
        gap = line[skill.end : marks[i].start] if i < len(marks) else None
        tight = gap is not None and (
            _AFTER_GAP.fullmatch(gap) is not None or (not gap.strip() and postfix(marks[i]))
        )
        after.append(marks[i] if tight else None)
    # A mark annotating one skill ("Python (expert), SQL") is that skill's alone; a mark
    # before a list ("Proficient in Python and pandas") is shared.
    owned = {id(mark) for mark in after if mark is not None}
    picked: list[_Mark | None] = []
    for skill, i, mark in zip(skills, split, after, strict=True):
        if mark is None and i and gap_re.fullmatch(line[marks[i - 1].end : skill.start]):
            mark = marks[i - 1]
        if mark is None:
            # The nearest free mark on either side: farther ones only add to the gap. The
            # earlier one wins ties, as levels usually lead.
            best = _NEAR + 1
            j = i - 1
            while j >= 0 and id(marks[j]) in owned:
                j -= 1
            if j >= 0:
                dist = _distance(line, marks[j].end, skill.start, skills, skill_starts)
                if dist < best:
                    best, mark = dist, marks[j]
            j = i
            while j < len(marks) and id(marks[j]) in owned:
                j += 1
            if j < len(marks):
                dist = _distance(line, skill.end, marks[j].start, skills, skill_starts)
                if dist < best:
                    mark = marks[j]
        picked.append(mark)
    return picked


def _carry(
    skills: Sequence[_Mention], marks: Sequence[_Mark], picked: Sequence[_Mark | None]
) -> str | float | None:
    """The value a leading mark hands on to the next clause: "Proficient in Python, SQL"."""
    last = marks[-1]
    if last.start < skills[-1].start and any(mark is last for mark in picked):
        return last.value
    return None


def _clauses(line: str) -> list[tuple[int, int, bool]]:
    """(start, end, continues): `continues` when a comma, not ";" or ".", ends the clause,
    so a list begun in it may go on in the next one."""
    bounds, start = [], 0
    for m in _CLAUSE_SEP.finditer(line):
        bounds.append((start, m.start(), m.group() in ",，"))
        start = m.end()
    bounds.append((start, len(line), False))
    return bounds


def _is_filler(line: str, start: int, end: int, marks: Sequence[_Mark]) -> bool:
    pieces, pos = [], start
    for mark in marks:
        pieces.append(line[pos : mark.start])
        pos = mark.end
    pieces.append(line[pos:end])
    return _FILLER.fullmatch("".join(pieces)) is not None


def _is_postfix_level(mark: _Mark) -> bool:
    return mark.word in _POSTFIX_LEVELS


def _always(mark: _Mark) -> bool:
    return True  # years may follow the skill with nothing between: "Python 3年"


@dataclass
class _Claim:
    """What one mention of a skill says; filled in as the line is read."""

    level: str | None  # one of SKILL_LEVELS or _NEGATED
    years: float | None


def _line_claims(line: str, skills: Sequence[_Mention], claims: dict[str, list[_Claim]]) -> None:
    skill_starts = _starts(skills)
    levels = _level_marks(line, skills, skill_starts)
    years = _years_marks(line, skills, skill_starts)
    if not levels and not years:  # the common case: names alone
        for skill in skills:
            claims.setdefault(skill.tag, []).append(_Claim(None, None))
        return
    level_starts, years_starts = _starts(levels), _starts(years)
    carry_level: str | None = None
    carry_years: float | None = None
    previous: list[_Claim] = []
    continued = True  # whether the clause before this one ended with a comma
    for start, end, continues in _clauses(line):
        if not continued:  # a list does not go on past ";" or "."
            carry_level = carry_years = None
        continued = continues
        here = skills[
            bisect.bisect_left(skill_starts, start) : bisect.bisect_left(skill_starts, end)
        ]
        here_levels = levels[
            bisect.bisect_left(level_starts, start) : bisect.bisect_left(level_starts, end)
        ]
        here_years = years[
            bisect.bisect_left(years_starts, start) : bisect.bisect_left(years_starts, end)
        ]
        if not here:
            # "Python: expert, 3 years": the second clause still speaks of Python.
            if (
                previous
                and (here_levels or here_years)
                and _is_filler(line, start, end, sorted([*here_levels, *here_years], key=_start))
            ):
                for claim in previous:
                    if claim.level is None and here_levels:
                        claim.level = str(here_levels[0].value)
                    if claim.years is None and here_years:
                        claim.years = float(here_years[0].value)
                continue
            previous, carry_level, carry_years = [], None, None
            continue
        picked_levels = _assign(here, here_levels, line, _LEVEL_BEFORE_GAP, _is_postfix_level)
        picked_years = _assign(here, here_years, line, _YEARS_BEFORE_GAP, _always)
        previous = []
        for skill, level, year in zip(here, picked_levels, picked_years, strict=True):
            mention = _Claim(
                str(level.value) if level else (None if here_levels else carry_level),
                float(year.value) if year else (None if here_years else carry_years),
            )
            claims.setdefault(skill.tag, []).append(mention)
            previous.append(mention)
        if here_levels:
            value = _carry(here, here_levels, picked_levels)
            carry_level = None if value is None else str(value)
        if here_years:
            value = _carry(here, here_years, picked_years)
            carry_years = None if value is None else float(value)


def _start(mark: _Mark) -> int:
    return mark.start


# What may stand between "CV" and another skill for it to be one of a list: "CV/NLP",
# "Python, CV", "计算机视觉(CV)".
_LIST_GAP = re.compile(r"(?:[\s,，、/&+|()（）]|and|or|和|与|及)*+", re.I)


def _is_cv_skill(line: str, spans: Sequence[tuple[int, int]], start: int, end: int) -> bool:
    """Whether "CV" at line[start:end] is computer vision rather than the word for a resume
    ("My CV lists only paid work"): it must sit in a list of skills or in Chinese text
    ("CV算法"), where a resume is 简历."""
    if _CJK_CHAR.match(line[end : end + 1]) or (start and _CJK_CHAR.match(line[start - 1])):
        return True
    return any(
        _LIST_GAP.fullmatch(line[b:start] if b <= start else line[end:a]) is not None
        for a, b in spans
        if (a, b) != (start, end)
    )


def _mentions(
    lines: Sequence[str], skill_lines: frozenset[int] = frozenset()
) -> dict[int, list[_Mention]]:
    """Skill mentions by line number, positions within the line. One search over the whole
    text: searching line by line costs more than the search itself. `skill_lines` are the
    lines of a skills section, where an ambiguous abbreviation is taken as a skill."""
    text = "\n".join(lines)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    first = next((i for i, line in enumerate(lines) if line.strip()), -1)
    spans = _SKILL_FORMS.find(text)
    found: dict[int, list[_Mention]] = {}
    for start, end in spans:
        i = bisect.bisect_right(starts, start) - 1
        line, offset = lines[i], starts[i]
        form = text[start:end]
        # "CV" in a title line is the resume, not computer vision; elsewhere it is only a
        # skill where skills are listed.
        if form == "CV" and (
            i == first
            or _CV_TITLE.search(line)
            or (
                i not in skill_lines
                and not _is_cv_skill(
                    line, _line_spans(spans, starts, i), start - offset, end - offset
                )
            )
        ):
            continue
        found.setdefault(i, []).append(
            _Mention(start - offset, end - offset, _SKILL_TAG[_key(form)])
        )
    return found


def _line_spans(
    spans: Sequence[tuple[int, int]], starts: Sequence[int], i: int
) -> list[tuple[int, int]]:
    """The spans (sorted, over the whole text) that fall in line i, as positions in it."""
    lo = bisect.bisect_left(spans, (starts[i], 0))
    hi = bisect.bisect_left(spans, (starts[i + 1], 0))
    return [(a - starts[i], b - starts[i]) for a, b in spans[lo:hi]]


def _skills(lines: Sequence[str], skill_lines: frozenset[int]) -> dict[str, SkillClaim]:
    claims: dict[str, list[_Claim]] = {}
    for i, mentions in sorted(_mentions(lines, skill_lines).items()):
        _line_claims(lines[i], mentions, claims)
    skills = {}
    for tag, tag_claims in claims.items():
        kept = [c for c in tag_claims if c.level != _NEGATED]
        if not kept:
            continue  # only ever denied
        # The strongest claim across mentions: a level in the skills list is not undone by a
        # bare mention in a job description.
        levels = [c.level for c in kept if c.level is not None]
        years = [c.years for c in kept if c.years is not None]
        skills[tag] = SkillClaim(
            max(levels, key=SKILL_LEVELS.index) if levels else None,
            max(years) if years else None,
        )
    return skills


# --- sections ---------------------------------------------------------------------------

_HEADINGS = {
    "experience": (
        "工作经历 工作经验 实习经历 实习经验 工作履历 职业经历 任职经历 从业经历 工作背景 "
        "workexperience experience professionalexperience employment employmenthistory "
        "workhistory careerhistory internship internships internshipexperience "
        "relevantexperience researchexperience researchprojects researchandprojects "
        "实习项目经历 项目实习经历 工作实习经历 实习工作经历 科研经历 研究经历"
    ),
    "education": "教育背景 教育经历 学历 教育 education academicbackground",
    "projects": "项目经历 项目经验 项目 projects project projectexperience",
    "skills": (
        "技能 专业技能 技能特长 个人技能 技术技能 技能证书 专业能力 skills technicalskills "
        "coreskills skillset tools"
    ),
    "intent": (
        "求职意向 求职目标 期望工作 期望薪资 objective careerobjective jobobjective expectedsalary"
    ),
    "other": (
        "个人信息 基本信息 联系方式 自我评价 自我介绍 个人评价 个人总结 证书 荣誉 获奖 "
        "获奖经历 语言能力 兴趣爱好 summary profile aboutme certificates certifications "
        "awards languages interests contact personalinformation references"
    ),
}
_SECTION_OF = {key: section for section, keys in _HEADINGS.items() for key in keys.split()}
_HEADING_KEYS = "|".join(sorted(_SECTION_OF, key=len, reverse=True))
# One heading, or two of them side by side ("工作经历 Work Experience").
_HEADING_RE = re.compile(rf"(?P<a>{_HEADING_KEYS})(?:{_HEADING_KEYS})?")
_NUMBERING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.]|\d{1,2}[.、)](?!\d)|[#*=]+)")
_COLON_RE = re.compile(r"[:：]")
_HEAD_LETTERS = re.compile(rf"[^a-zA-Z{_CJK}]+")


def _heading(line: str) -> tuple[str | None, str]:
    """(section, rest) if the line starts a section; rest is what follows "Heading:"."""
    colon = _COLON_RE.search(line)
    head = line[: colon.start()] if colon else line
    if len(head) > 50:  # most lines: too long for a heading, decided without more regexes
        return None, line
    key = _HEAD_LETTERS.sub("", _NUMBERING.sub("", head)).lower()
    m = _HEADING_RE.fullmatch(key)
    if m is None:
        return None, line
    return _SECTION_OF[m.group("a")], line[colon.end() :] if colon else ""


def _sections(lines: Sequence[str]) -> list[tuple[str | None, str]]:
    """Each line's section and its text without an inline heading."""
    out: list[tuple[str | None, str]] = []
    section: str | None = None
    for line in lines:
        found, rest = _heading(line)
        if found is not None:
            section = found
            out.append((section, rest))
        else:
            out.append((section, line))
    return out


# --- employers ---------------------------------------------------------------------------

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_YEAR = r"(?<!\d)(?:19|20)\d{2}(?!\d)"
_MONTH = r"(?:1[0-2]|0?[1-9])(?!\d)"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])(?!\d)"
_MON = (
    r"(?<![A-Za-z])(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
# A day ("2015-06-04", "2015年6月4日") is read past: month precision is all a job needs. With
# digits only, the day's separator must repeat the month's, so "2019.06-12" is not a day.
_DATE = (
    rf"(?:{_YEAR}(?:-{_MONTH}-|\.{_MONTH}\.|/{_MONTH}/){_DAY}"
    rf"|{_YEAR}\s*+(?:[./-]|年)\s*+{_MONTH}(?:\s*+月(?:\s*+{_DAY}\s*+[日号])?+)?+"
    rf"|{_MON}\s*+,?\s*+{_YEAR}"
    rf"|(?<!\d){_MONTH}\s*+/\s*+{_YEAR}|{_YEAR}(?:\s*+年)?+)"
)
_PRESENT_WORDS = r"(?:至今|现在|目前|今|present|now|current(?:ly)?|today)(?![A-Za-z])"
_RANGE_RE = re.compile(
    rf"({_DATE})\s*+(?:[-–—~〜]++|至|到|to|until|till)\s*+({_DATE}|{_PRESENT_WORDS})",
    re.IGNORECASE,
)
_DATE_PARTS = re.compile(
    rf"(?P<y1>{_YEAR})\s*(?:[./-]|年)\s*(?P<m1>{_MONTH})|(?P<mon>{_MON})\s*,?\s*(?P<y2>{_YEAR})"
    rf"|(?P<m3>{_MONTH})\s*/\s*(?P<y3>{_YEAR})|(?P<y4>{_YEAR})",
    re.IGNORECASE,
)
_YEAR_HINT = re.compile(r"(?:19|20)\d\d")
_PRESENT_RE = re.compile(_PRESENT_WORDS, re.IGNORECASE)

_CN_SUFFIX = (
    "有限责任公司|股份有限公司|有限公司|公司|集团|科技|研究院|研究所|实验室|工作室|事务所|银行"
)
_EN_SUFFIX = (
    r"\b(?:inc|incorporated|ltd|limited|llc|llp|plc|corp|corporation|co|company|gmbh|ag"
    r"|technologies|technology|tech|group|labs?|studios?|systems|solutions|holdings"
    r"|software|bank|ventures|partners|consulting)\b\.?"
)
# Greedy: cut after the last suffix ("Acme Technologies Co., Ltd. Data Labeler").
_COMPANY_CUT = re.compile(rf"^.*(?:{_CN_SUFFIX}|{_EN_SUFFIX})", re.IGNORECASE)
_TITLE_RE = re.compile(
    r"(?:专员|工程师|经理|实习生|实习|助理|主管|总监|组长|标注员|训练师|分析师|研究员|设计师"
    r"|开发|运营|顾问|讲师|教师|老师|销售|客服|质检员|审核员|员|师|岗)$"
    r"|\b(?:engineer|labell?er|annotator|analyst|manager|intern|assistant|specialist|developer"
    r"|scientist|trainer|lead|director|consultant|coordinator|associate|officer|researcher"
    r"|designer|tester|administrator|operator|representative|clerk|teacher|tutor|reviewer"
    r"|writer|editor|head|founder|contractor|freelancer)s?\b",
    re.IGNORECASE,
)
# Company suffixes that also open job titles ("Senior Software Engineer", "Solutions
# Architect"): a cut at one of them followed by a title word is a title, not a company.
_TITLE_AFTER_SUFFIX = re.compile(
    r"(?:software|systems|solutions|technology|technologies|tech|group|labs?|studios?"
    r"|consulting)\.?\s+(?:[a-z]+\s+)?(?:engineer|developer|analyst|architect|lead|manager"
    r"|consultant|specialist|administrator|designer|tester|intern|scientist)s?\b",
    re.IGNORECASE,
)
# Some PDFs (XeLaTeX with letter-spaced small caps) lose the spaces between words, so a title
# reads "DATAENGINEER" or "SiteReliabilityEngineer": one word that ends in a title word.
_GLUED_TITLE = re.compile(
    r"^[A-Za-z]{3,}(?:engineer|developer|analyst|architect|manager|intern|scientist"
    r"|designer|writer|consultant|specialist|researcher|lead)s?$",
    re.IGNORECASE,
)
_COMPANY_KEY = re.compile(
    r"^(?:公司名称|公司|单位|雇主|company|employer|organi[sz]ation)\s*[:：]\s*", re.I
)
_TITLE_KEY = re.compile(r"^(?:职位|岗位|职务|title|position|role)\s*[:：]", re.I)
_OTHER_LABEL = rf"(?:[{_CJK}]{{0,4}}?(?:时间|日期)|起止|period|dates?|duration)"
_OTHER_KEY = re.compile(rf"^{_OTHER_LABEL}\s*[:：]\s*", re.I)
# A label whose value was the date range ("工作时间: 2016.8 - 至今"): never a company.
_OTHER_LABEL_ONLY = re.compile(rf"{_OTHER_LABEL}\s*[:：]?", re.I)
# A label spaced out to line up with longer ones: "单 位: 上海某公司".
_SPACED_LABEL = re.compile(rf"(?<![{_CJK}] )(?<![{_CJK}])[{_CJK}](?: [{_CJK}]){{1,3}}(?=\s*[:：])")
_SCHOOL_RE = re.compile(r"大学|学院|学校|中学|university|college|school", re.IGNORECASE)
# Segments of a line: table cells, "at"/"@", commas (not the one in "Co., Ltd").
_SEGMENT_SEP = re.compile(
    r"\s*\|\s*|\t+|\s{2,}|\s+[-–—/]\s+|\s+(?:at|@)\s+|@|；|;"
    r"|[，,](?!\s*(?:ltd|inc|llc|limited|co)\b)",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*•·●▪■◆◇○►▶✓√]|\d{1,2}[.、)](?!\d))\s*")
_EMPTY_BRACKETS = re.compile(r"[(（\[【]\s*[)）\]】]")
_EDGE_PUNCT = " \t|:：,，;；·•*-–—/"


def _month(text: str) -> str | None:
    m = _DATE_PARTS.match(text.strip())
    if m is None:
        return None
    if m.group("y1"):
        return f"{m.group('y1')}-{int(m.group('m1')):02d}"
    if m.group("mon"):
        return f"{m.group('y2')}-{_MONTHS[m.group('mon')[:3].lower()]:02d}"
    if m.group("y3"):
        return f"{m.group('y3')}-{int(m.group('m3')):02d}"
    return f"{m.group('y4')}-01"  # a year alone: its January


def _clean(segment: str) -> str:
    text = _BULLET.sub("", segment).strip(_EDGE_PUNCT)
    # Drop a bracket left open or closed by the split.
    for opening, closing in ("()", "（）", "[]", "【】"):
        if text.count(opening) != text.count(closing):
            text = text.replace(opening, " ").replace(closing, " ")
    return text.strip(_EDGE_PUNCT)


_AFTER_COLON = re.compile(r"[:：]\s+")


def _unspace_label(m: re.Match[str]) -> str:
    return m.group().replace(" ", "")


def _segments(text: str) -> list[str]:
    text = _SPACED_LABEL.sub(_unspace_label, _EMPTY_BRACKETS.sub(" ", text))
    segments: list[str] = []
    for part in _SEGMENT_SEP.split(text):
        # Chinese names have no spaces: "阿里巴巴 数据运营" is two cells.
        # A key keeps its value: "单位: 上海某公司".
        pieces = [part] if _LATIN_WORD.search(part) else _AFTER_COLON.sub(":", part).split()
        segments.extend(cleaned for piece in pieces if (cleaned := _clean(piece)))
    return segments


# "就职于X" / "at X" in prose: the words before the company are not part of its name.
_JOINED_AT = re.compile(r"^.*?(?:就职于|任职于|供职于|加入)|^(?:at|with|joined)\s+", re.I)
# More than one job on a line (prose or "a; b; c"): each clause gets its own range.
_JOB_CLAUSE_SEP = re.compile(r"[；;。]\s*|(?<=[)）])[.,，]\s+")
# A range broken over two lines by the PDF's layout: "11/2024 -" then "Present".
_OPEN_RANGE_END = re.compile(r"[-–—~至到]\s*$")


def _job_lines(lines: Sequence[str]) -> list[str]:
    joined: list[str] = []
    for line in lines:
        if joined and _OPEN_RANGE_END.search(joined[-1]) and line.strip():
            joined[-1] = f"{joined[-1].rstrip()} {line.strip()}"
        else:
            joined.append(line)
    result: list[str] = []
    for line in joined:
        if _YEAR_HINT.search(line) and len(_RANGE_RE.findall(line)) > 1:
            result.extend(part for part in _JOB_CLAUSE_SEP.split(line) if part.strip())
        else:
            result.append(line)
    return result


def _company(segments: Sequence[str]) -> str | None:
    """The company among a line's cells: keyed, else with a suffix, else not a job title."""
    name = _company_cell(segments)
    if name is None:
        return None
    return _JOINED_AT.sub("", name).strip(_EDGE_PUNCT) or None


def _company_cell(segments: Sequence[str]) -> str | None:
    plain = None
    for segment in segments:
        if (key := _COMPANY_KEY.match(segment)) and segment[key.end() :].strip():
            return segment[key.end() :].strip()
    for segment in segments:
        if (
            _TITLE_KEY.match(segment)
            or _OTHER_KEY.fullmatch(segment)
            or _OTHER_LABEL_ONLY.fullmatch(segment)
        ):
            continue
        segment = _OTHER_KEY.sub("", segment)
        if _GLUED_TITLE.search(segment):
            continue  # "DATAENGINEER", "SiteReliabilityEngineer": a title whose spaces were lost
        cut = _COMPANY_CUT.match(segment)
        if cut and _TITLE_AFTER_SUFFIX.match(segment, _last_word_start(cut.group())):
            continue  # a job title
        if cut:
            return _clean(cut.group())
        if plain is None and not _TITLE_RE.search(segment) and len(segment) <= 40:
            plain = segment
    return plain


def _last_word_start(text: str) -> int:
    return len(text.rstrip(". ")) - len(text.rstrip(". ").split()[-1]) if text.split() else 0


def _is_content(line: str) -> bool:
    return bool(line.strip()) and not _BULLET.match(line)


def _find_range(line: str) -> re.Match[str] | None:
    # Most lines hold no year; the cheap literal search spares them the costly range pattern,
    # which then starts just before the first year (a range's first date contains one).
    year = _YEAR_HINT.search(line)
    return _RANGE_RE.search(line, max(0, year.start() - 16)) if year else None


def _employers(lines: Sequence[str], today: date, fallback: bool) -> list[Employment]:
    lines = _job_lines(lines)
    ranges = [(i, m) for i, line in enumerate(lines) if (m := _find_range(line))]
    if fallback:  # no experience heading: any date range, but not a school's
        ranges = [(i, m) for i, m in ranges if not _SCHOOL_RE.search(lines[i])]
    if not ranges:
        return []
    # "Company / title / dates" blocks put the company above the dates; "dates / company"
    # blocks below. The first block tells which layout the resume uses.
    look_up = any(_is_content(lines[j]) for j in range(ranges[0][0]))
    employers = []
    for k, (i, m) in enumerate(ranges):
        start = _month(m.group(1))
        end = PRESENT if _PRESENT_RE.fullmatch(m.group(2).strip()) else _month(m.group(2))
        if start is None or int(start[:4]) > today.year + 1:
            continue
        line = lines[i]
        cells = _segments(line[: m.start()] + "  " + line[m.end() :])
        name = _company(cells)
        if name is None or (cells and _TITLE_RE.search(name)):
            if look_up:
                lo = ranges[k - 1][0] + 1 if k else 0
                around = list(reversed(lines[lo:i]))
            else:
                hi = ranges[k + 1][0] if k + 1 < len(ranges) else len(lines)
                around = list(lines[i + 1 : hi])
            context = [
                s for line in [x for x in around if _is_content(x)][:2] for s in _segments(line)
            ]
            name = _company(context) or name or (cells[0] if cells else None)
        if name:
            employers.append(Employment(name, start, end))
    return employers


# --- salary ------------------------------------------------------------------------------

_SALARY_STRONG = re.compile(
    r"期望(?:月薪|年薪|薪资|薪酬|工资|待遇|收入)|(?:薪资|薪酬|待遇)(?:期望|要求)|目标薪资"
    r"|expected\s+(?:salary|pay|compensation|package)|salary\s+expectations?"
    r"|desired\s+salary|target\s+salary",
    re.IGNORECASE,
)
_SALARY_HINT = re.compile(r"薪|工资|待遇|收入|salary|pay|compensation")  # over folded text
_SALARY_WEAK = re.compile(r"月薪|年薪|薪资|薪酬|工资|待遇|salary|compensation", re.IGNORECASE)
_CURRENT = re.compile(r"(?:当前|目前|现|上份|上一份|current|previous|last|present)\s*$", re.I)
_NEGOTIABLE = re.compile(r"面议|可议|可谈|商议|negotiable|open|to be discussed|tbd", re.I)
_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
_UNIT = r"(?:[kK千万]|[wW](?![A-Za-z]))"
_AMOUNT_RE = re.compile(
    rf"(?P<a>{_NUMBER})\s*+(?P<ua>{_UNIT})?+"
    rf"(?:\s*+(?:[-~–—〜至到]|to)\s*+(?P<b>{_NUMBER})\s*+(?P<ub>{_UNIT})?+)?+",
    re.IGNORECASE,
)
_PERIOD_RE = re.compile(
    r"(?P<month>月|monthly|months?|/\s*mo\b|per\s+mo\b|p\.m\.)"
    r"|(?P<year>年|yearly|years?|annual(?:ly)?|annum|p\.a\.|/\s*yr\b|/\s*y\b)",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_MAX_SALARY = 100_000_000  # a year's pay in CNY; anything larger is not a salary
_MULTIPLIER = {"k": 1000, "千": 1000, "万": 10000, "w": 10000}


def _period(text: str) -> str | None:
    m = _PERIOD_RE.search(text)
    return m.lastgroup if m else None


def _salary_from(trigger: str, tail: str) -> Salary | None:
    amount = _AMOUNT_RE.search(tail)
    if amount is None:
        return None
    a, b = float(amount["a"].replace(",", "")), float((amount["b"] or amount["a"]).replace(",", ""))
    unit_a, unit_b = amount["ua"], amount["ub"] or amount["ua"]
    unit_a = unit_a or unit_b  # "18-22K": the unit is written once
    period = (
        _period(tail[amount.end() : amount.end() + 20])
        or _period(tail[: amount.start()])
        or _period(trigger)
    )
    if unit_a:
        a *= _MULTIPLIER[unit_a.lower()]
    if unit_b:
        b *= _MULTIPLIER[unit_b.lower()]
    if not unit_a and not unit_b and max(a, b) < 1000:
        # "期望薪资：18-22" means thousands a month, "年薪30-40" ten-thousands a year.
        factor = 10000 if period == "year" else 1000
        a, b = a * factor, b * factor
    if period is None:
        period = "year" if max(a, b) >= 100000 else "month"
    if not 0 < max(a, b) <= _MAX_SALARY:  # also catches a digit run read as infinity
        return None
    low, high = sorted((round(a), round(b)))
    return Salary(low, high, period)


def _salary(lines: Sequence[str]) -> Salary | None:
    # One cheap search over the whole text picks the few lines worth the full patterns.
    text = _fold("\n".join(lines))
    hinted = sorted({text.count("\n", 0, m.start()) for m in _SALARY_HINT.finditer(text)})
    for pattern in (_SALARY_STRONG, _SALARY_WEAK):
        for i in hinted:
            line = lines[i]
            for m in pattern.finditer(line):
                if pattern is _SALARY_WEAK and _CURRENT.search(
                    line[max(0, m.start() - 12) : m.start()]
                ):
                    continue  # the current salary is not the expectation
                tail = line[m.end() :]
                if not _DIGIT.search(tail) and not _NEGOTIABLE.search(tail):
                    # "期望薪资" as a heading: the amount is on the next line.
                    tail += " " + next((x for x in lines[i + 1 :] if x.strip()), "")
                amount = _AMOUNT_RE.search(tail)
                before = tail[: amount.start()] if amount else tail
                if _NEGOTIABLE.search(before):
                    return None
                if amount:
                    return _salary_from(m.group(), tail)
    return None


# --- contact, name, language ---------------------------------------------------------------

_EMAIL_RE = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Phone patterns start with a literal so the engine skips ahead; what may stand before the
# number is checked in _phone instead of with a lookbehind.
_CN_MOBILE = re.compile(r"1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")
_CN_MOBILE_BEFORE = re.compile(r"(?:^|[^\d+])(?:\+?86[\s-]?)?$")
_PHONE_KEYED = re.compile(  # over lower-cased text
    r"(?:phone|tel|mobile|cell|电话|手机|联系方式)\s*[:：]?\s*(\+?\(?\d[\d\s().-]{5,}\d)"
)
_PHONE_INTL = re.compile(r"\+\d{1,3}[\s.-]?\(?\d[\d\s().-]{5,}\d")
_NOT_DIGITS = re.compile(r"\D")
_NAME_KEY = re.compile(r"(?<![^\s|,，;；])(?:姓\s*名|名字|full\s+name|name)\s*+[:：]\s*+(.+)", re.I)
_NAME_LINES = 30  # the name is at the top
# The next label ends a value, spaced out too ("姓 名:李双江 性 别:男").
_VALUE_END = re.compile(
    rf"\s{{2,}}|[|\t,，;；/]|\s+[^\s:：]+\s*[:：]|\s+[{_CJK}](?: [{_CJK}]){{1,3}}\s*[:：]"
)
# "QIAN, CHENGYU": a surname first keeps its comma.
_SURNAME_FIRST = re.compile(r"[A-Z][A-Za-z'-]*,\s*[A-Z][A-Za-z'.-]*(?=\s*$|\s{2,}|\s*[|\t;；])")
# A page number printed above the name: "-1-", "1/2", "Page 1".
_PAGE_NUMBER = re.compile(r"[-–—\s]*\d{1,3}(?:\s*/\s*\d{1,3})?[-–—\s]*|page\s*\d{1,3}.*", re.I)
_CN_NAME = re.compile(rf"[{_CJK}]{{2,4}}(?:·[{_CJK}]{{1,6}})?")
# A nickname may stand in brackets: "Yao (Marc) Wang".
_EN_NAME = re.compile(r"[A-Z][A-Za-z'.-]*(?:\s+(?:\([A-Z][A-Za-z'.-]*\)|[A-Z][A-Za-z'.-]*)){1,3}")
# "CV — Maria Garcia", "个人简历：张三"
_TITLE_PREFIX = re.compile(r"^(?:CV|resume|curriculum vitae|个人简历|简历)\s*[-–—:：|]\s*", re.I)
_CJK_RE = re.compile(rf"[{_CJK}]")
_LATIN_WORD = re.compile(r"[A-Za-z]+")


def _phone(text: str) -> str | None:
    for m in _CN_MOBILE.finditer(text):
        if _CN_MOBILE_BEFORE.search(text[max(0, m.start() - 5) : m.start()]):
            return _NOT_DIGITS.sub("", m.group())
    folded = _fold(text)
    candidates = [
        m.group(1)
        for m in _PHONE_KEYED.finditer(folded)
        if not m.start() or not folded[m.start() - 1].isalpha()  # not "hotel", "intel"
    ]
    candidates += [
        m.group()
        for m in _PHONE_INTL.finditer(text)
        if not m.start() or not (text[m.start() - 1].isalnum() or text[m.start() - 1] == "+")
    ]
    for raw in candidates:
        digits = _NOT_DIGITS.sub("", raw)
        if 7 <= len(digits) <= 15 and not _RANGE_RE.search(raw):
            return ("+" if raw.lstrip().startswith("+") else "") + digits
    return None


def _name(lines: Sequence[str]) -> str | None:
    for line in lines[:_NAME_LINES]:
        for m in _NAME_KEY.finditer(line):
            if _key_starts_cell(line[: m.start()]) and (value := _name_value(m.group(1))):
                return value
    for line in [x for x in lines if x.strip()][:3]:
        if _PAGE_NUMBER.fullmatch(line.strip()):
            continue
        first = _VALUE_END.split(_TITLE_PREFIX.sub("", line.strip()), maxsplit=1)[0].strip()
        if _CV_TITLE.search(first) or first.upper() == "CV" or _heading(first)[0]:
            continue
        compact = "".join(first.split())
        if _CN_NAME.fullmatch(compact):
            return compact
        if _EN_NAME.fullmatch(first) and not _TITLE_RE.search(first):
            return first
        break  # the name comes first or right after a "Resume" title
    return None


def _key_starts_cell(before: str) -> bool:
    """Whether "Name:" starts the line or a cell, unlike "Project name:"; a bullet may lead
    it ("• 姓名:")."""
    return (
        not before.strip()
        or before.rstrip()[-1] in "|,，;；"
        or before[-2:] == "  "
        or _BULLET.fullmatch(before) is not None
    )


def _name_value(raw: str) -> str:
    raw = raw.strip()
    surname_first = _SURNAME_FIRST.match(raw)
    if surname_first:
        return surname_first.group()
    return _VALUE_END.split(raw, maxsplit=1)[0].strip()


def _language(text: str) -> str:
    # A Chinese resume still names tools in English; a CJK character carries about as much
    # as an English word.
    return "zh" if len(_CJK_RE.findall(text)) > len(_LATIN_WORD.findall(text)) else "en"


def _mask_links(text: str) -> str:
    """The text with emails and links blanked out, lengths kept."""
    pieces, pos = [], 0
    for m in _LINK_RE.finditer(text):
        start = m.start()
        if m.group()[0] == "@":
            while start > pos and (text[start - 1].isalnum() or text[start - 1] in "._+-"):
                start -= 1
        pieces += [text[pos:start], " " * (m.end() - start)]
        pos = m.end()
    pieces.append(text[pos:])
    return "".join(pieces)


# A PDF wraps paragraphs at the text's width and so splits skill names and dates across
# lines ("Basic knowledge of machine" / "learning", "…;计" / "算机视觉…", "- 2023" / "年4月");
# such lines are joined back. English: the next line goes on in lower case after a line
# ending mid-phrase (and is not an email or a link). Chinese: prose (it has clause
# punctuation) filling the text's width, not ended by a full stop, continued in Chinese.
# Never before a heading or a "key: value" line: those start something new.
_EN_OPEN_END = re.compile(r"[A-Za-z0-9,(—–-]$")
_EN_GOES_ON = re.compile(r"[a-z][^\s@/]*(?:\s|$)")
_CJK_CHAR = re.compile(rf"[{_CJK}]")
_CJK_PROSE = re.compile(r"[。;，,、]")
_KEY_START = re.compile(r"[\w -]{1,20}[:：]")
_WRAP_MIN_EN = 16  # characters: shorter lines are names, headings, table cells
_WRAP_WIDTH = 0.75  # a wrapped Chinese line fills at least this share of the widest line


def _wrapped(prev: str, cur: str, width: int) -> str | None:
    """What joins a line to the next when a wrap split them, or None if it did not."""
    if _KEY_START.match(cur) or _heading(cur)[0] is not None:
        return None
    if len(prev) >= _WRAP_MIN_EN and _EN_OPEN_END.search(prev) and _EN_GOES_ON.match(cur):
        return " "
    if (
        len(prev) >= _WRAP_WIDTH * width
        and prev[-1] not in "。;!?:"
        and _CJK_CHAR.match(cur)
        and _CJK_PROSE.search(prev)
    ):
        return ""
    return None


def _unwrap(text: str) -> str:
    lines = text.splitlines()
    width = max((len(line.strip()) for line in lines), default=0)
    out: list[str] = []
    for line in lines:
        prev, cur = (out[-1].rstrip() if out else ""), line.strip()
        joint = _wrapped(prev, cur, width) if prev and cur else None
        if joint is None:
            out.append(line)
        else:
            out[-1] = prev + joint + cur
    return "\n".join(out)


# One-paragraph resumes: each sentence becomes a line, so a heading inside the paragraph
# ("技能方面：…。工作经历：…", "… Experience: …") starts its own line and section.
_SENTENCE_END = re.compile(
    r"(?<=[。！？])[ \t]*(?=\S)|(?<=[a-z0-9)])\.[ \t]+(?=[A-Z][a-z]+(?: [a-z]+)?\s*:)"
)


def parse_resume(text: str, today: date | None = None) -> ResumeFields:
    """The fields of one resume's text; `today` bounds plausible employment dates."""
    today = today or date.today()
    text = _SENTENCE_END.sub("\n", _unwrap(text))
    lines = text.splitlines()
    masked = _mask_links(text).splitlines()
    sectioned = _sections(lines)
    skill_lines = frozenset(i for i, (section, _) in enumerate(sectioned) if section == "skills")
    experience = [rest for section, rest in sectioned if section == "experience"]
    fallback = not experience
    if fallback:
        experience = [
            rest for section, rest in sectioned if section not in ("education", "projects")
        ]
    email = _EMAIL_RE.search(text)
    return ResumeFields(
        name=_name(lines),
        email=email.group() if email else None,
        phone=_phone(text),
        language=_language(text),
        skills=_skills(masked, skill_lines),
        employers=tuple(_employers(experience, today, fallback)),
        salary=_salary(lines),
    )
