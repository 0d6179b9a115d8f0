"""A synthetic resume corpus for evaluating the screening parser, with each resume's expected
fields (the `ResumeFields.to_json()` shape) as the generator's ground truth, not parsed.

Writes 64 resumes (half Chinese, half English; PDF via WeasyPrint, DOCX via python-docx, TXT in
UTF-8 or GB18030; five layouts) and expected.json into the corpus folder, and six unreadable
files with bad.json (a list of {"file", "code"}) under bad/. Everything comes from a fixed seed
and fixed dates, so a rerun writes the same bytes.

Ground-truth conventions:
  phone       the 11 digits of the mobile number, whatever spaces, dashes or +86 are shown
  skills      exactly the claims in the skills part; duties, titles and schools name no skill
  years       "5+ years", "5年以上" count as 5
  salary      CNY; "18-22K" is 18000-22000/month, "年薪30万" is 300000-300000/year;
              "面议", "negotiable" or no salary line at all is null
  employers   the company as written, newest first; "至今", "Present", "Now" end in "present";
              schools and their dates are not employers
  unstable    >= 4 employers within the 3 years before TODAY (employment ending 2023-11 or
              later); over budget: a minimum above 22000/month or 264000/year (the demo job)

Usage: python bench/resumes/generate.py [--out DIR]"""

from __future__ import annotations

import argparse
import base64
import io
import json
import random
import sys
import time
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from string import Template
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
import weasyprint  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Pt  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402
from pypdf import PdfReader, PdfWriter  # noqa: E402
from pypdf.generic import ArrayObject, ByteStringObject  # noqa: E402

from hirebench.screening.fields import (  # noqa: E402
    PRESENT,
    Employment,
    ResumeFields,
    Salary,
    SkillClaim,
)

SEED = 20261101
TODAY = "2026-11-01"
LAST_MONTH = (2026, 10)  # nothing starts or ends after this
PER_LANGUAGE = 32
FIXED_TIME = datetime(2026, 11, 1, tzinfo=UTC)
ZIP_TIME = (2026, 11, 1, 0, 0, 0)
DEFAULT_OUT = Path(__file__).resolve().parent / "corpus"

Month = tuple[int, int]
Block = tuple[Any, ...]  # ("title"|"line"|"heading", text), ("bullets", items),
# ("table", rows), ("columns", left blocks, right blocks)

# Each language's formats and layouts: 13 PDF, 13 DOCX, 6 TXT.
LAYOUTS = ("sections", "table", "keyvalue", "summary", "sidebar")
TXT_LAYOUTS = ("sections", "keyvalue", "summary", "table")
KINDS = ["strong"] * 7 + ["medium"] * 8 + ["weak"] * 7 + ["unstable"] * 5 + ["over"] * 5

JOB_TAGS = ("python", "data-annotation", "ml-basics", "data-cleaning")
OTHER_TAGS = (
    "deep-learning",
    "tensorflow",
    "pytorch",
    "sql",
    "pandas",
    "nlp",
    "computer-vision",
    "excel",
    "prompt-engineering",
    "llm",
)
SKILL_WORDS = {
    "zh": {
        "python": ["Python"],
        "data-annotation": ["数据标注"],
        "ml-basics": ["机器学习基础", "机器学习"],
        "data-cleaning": ["数据清洗"],
        "deep-learning": ["深度学习"],
        "tensorflow": ["TensorFlow"],
        "pytorch": ["PyTorch"],
        "sql": ["SQL"],
        "pandas": ["Pandas"],
        "nlp": ["自然语言处理", "NLP"],
        "computer-vision": ["计算机视觉"],
        "excel": ["Excel"],
        "prompt-engineering": ["提示词工程", "Prompt 工程"],
        "llm": ["大模型", "LLM"],
    },
    "en": {
        "python": ["Python"],
        "data-annotation": ["data annotation"],
        "ml-basics": ["machine learning basics", "machine learning"],
        "data-cleaning": ["data cleaning"],
        "deep-learning": ["deep learning"],
        "tensorflow": ["TensorFlow"],
        "pytorch": ["PyTorch"],
        "sql": ["SQL"],
        "pandas": ["pandas"],
        "nlp": ["NLP"],
        "computer-vision": ["computer vision"],
        "excel": ["Excel"],
        "prompt-engineering": ["prompt engineering"],
        "llm": ["LLMs", "large language models"],
    },
}
ZH_LEVEL = {"expert": "精通", "proficient": "熟练", "familiar": "熟悉", "basic": "了解"}
ZH_LEVEL_VERB = {"expert": "精通", "proficient": "熟练掌握", "familiar": "熟悉", "basic": "了解"}
EN_LEVEL_LEAD = {
    "expert": "Expert in",
    "proficient": "Proficient in",
    "familiar": "Familiar with",
    "basic": "Basic knowledge of",
}

ZH_SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
]  # fmt: skip
ZH_GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("磊", "lei"),
    ("晓明", "xiaoming"), ("思远", "siyuan"), ("雨桐", "yutong"), ("子涵", "zihan"),
    ("浩然", "haoran"), ("欣怡", "xinyi"), ("俊杰", "junjie"), ("嘉怡", "jiayi"),
    ("宇航", "yuhang"), ("梦琪", "mengqi"),
]  # fmt: skip
EN_FIRST = [
    "Emily", "Michael", "Sarah", "David", "Jessica", "Daniel", "Laura", "Kevin", "Rachel",
    "Brian", "Olivia", "Jason", "Sophia", "Ryan", "Grace", "Eric", "Wei", "Jun", "Xin", "Mei",
]  # fmt: skip
EN_LAST = [
    "Chen", "Wang", "Zhang", "Liu", "Smith", "Johnson", "Brown", "Lee", "Nguyen", "Garcia",
    "Miller", "Davis", "Wilson", "Taylor", "Huang", "Lin",
]  # fmt: skip
EMAIL_DOMAINS = ["example.com", "example.com", "example.org", "example.net"]

ZH_CITIES = ["杭州", "上海", "北京", "深圳", "广州", "成都", "南京", "苏州", "武汉"]
ZH_CORES = ["云栈", "数智", "启明", "星河", "蓝鲸", "极光", "澜图", "智汇", "青禾", "远帆", "墨点"]
ZH_CORES += ["鹿鸣", "拾光", "千帆"]
ZH_SUFFIXES = [
    "网络科技有限公司",
    "信息技术有限公司",
    "科技",
    "数据科技有限公司",
    "电子商务有限公司",
    "智能科技股份有限公司",
    "科技有限公司",
]
EN_CORES = ["Acme", "Bluefin", "Northwind", "Silverline", "Brightpath", "Redwood", "Lumen"]
EN_CORES += ["Quartz", "Harbor", "Tidewater", "Cobalt", "Juniper", "Meridian", "Orchard"]
EN_MIDS = ["Data", "Analytics", "Commerce", "AI", "Digital", "Systems", ""]
EN_SUFFIXES = ["Inc.", "Ltd.", "Technologies", "Co., Ltd.", "LLC", "Technology Co., Ltd."]
PINYIN_CITIES = ["Hangzhou", "Shanghai", "Beijing", "Shenzhen"]
PINYIN_CORES = ["Yunzhan", "Qiming", "Xinghe", "Lanjing", "Jiguang"]

TITLES = {
    "zh": ["AI训练师", "数据运营专员", "内容审核专员", "质检专员", "算法助理", "搜索评估专员"],
    "en": [
        "AI Trainer",
        "Operations Specialist",
        "Content Reviewer",
        "Quality Analyst",
        "Search Relevance Rater",
        "Research Assistant",
    ],
}
DUTIES = {
    "zh": [
        "负责电商商品类目的审核规则制定与维护",
        "跟进业务方需求，按周输出质量报告",
        "组织5人小组完成搜索相关性评估，准确率稳定在97%以上",
        "优化客服对话质检流程，返工率下降20%",
        "与算法团队对齐评估口径，整理疑难案例库",
        "编写操作手册并培训新人",
        "负责直播间违规内容巡检与反馈",
    ],
    "en": [
        "Wrote review guidelines for product categories and kept them current",
        "Ran weekly quality reports for the operations team",
        "Led a team of five raters on search relevance; accuracy stayed above 97%",
        "Cut rework by 20% by reorganising the review queue",
        "Worked with the algorithm team to settle edge cases",
        "Trained new hires and maintained the team handbook",
        "Audited live-stream content and escalated policy issues",
    ],
}
SCHOOLS = {
    "zh": ["浙江工商大学", "华东师范大学", "南京邮电大学", "杭州电子科技大学", "深圳大学"],
    "en": [
        "Zhejiang University",
        "Fudan University",
        "University of Manchester",
        "University of Leeds",
    ],
}
MAJORS = {
    "zh": [
        "计算机科学与技术",
        "统计学",
        "电子商务",
        "信息管理与信息系统",
        "汉语言文学",
        "软件工程",
    ],
    "en": ["Computer Science", "Statistics", "E-commerce", "Information Systems", "Linguistics"],
}
DEGREES = {"zh": ["本科", "本科", "硕士"], "en": ["B.Sc.", "B.A.", "M.Sc."]}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August"]
MONTHS += ["September", "October", "November", "December"]

LABELS: dict[str, dict[str, Any]] = {
    "zh": {
        "skills": "专业技能",
        "experience": "工作经历",
        "education": "教育背景",
        "intent": "求职意向",
        "role": "AI训练师（电商方向）",
        "name": "姓名",
        "phone": ["手机", "电话", "联系电话"],
        "email": ["邮箱", "电子邮箱", "Email"],
        "skill_head": ["技能", "掌握程度", "经验年限"],
        "job_head": ["时间", "公司", "职位"],
        "none": "—",
        "sep": "；",
        "no_jobs": "应届毕业生，暂无全职工作经历",
    },
    "en": {
        "skills": "Skills",
        "experience": "Experience",
        "education": "Education",
        "intent": "Objective",
        "role": "AI Trainer (e-commerce)",
        "name": "Name",
        "phone": ["Phone", "Mobile", "Tel"],
        "email": ["Email", "E-mail"],
        "skill_head": ["Skill", "Level", "Years"],
        "job_head": ["Dates", "Company", "Title"],
        "none": "—",
        "sep": "; ",
        "no_jobs": "Recent graduate, no full-time employment yet",
    },
}


@dataclass
class Job:
    company: str
    title: str
    start: Month
    end: Month | None  # None while it lasts
    duties: list[str]


@dataclass
class Person:
    file: str
    lang: str
    kind: str
    layout: str
    name: str
    email: str
    phone: str  # 11 digits
    phone_shown: str
    skills: list[tuple[str, str | None, float | None]]
    jobs: list[Job]
    salary: tuple[int, int, str] | None
    salary_text: str | None  # None: no salary line at all
    school: tuple[str, str, str, Month, Month]
    date_style: int
    encoding: str = "utf-8"
    newline: str = "\n"
    rng: random.Random = field(default_factory=random.Random)

    @property
    def fmt(self) -> str:
        return self.file.rsplit(".", 1)[1]

    def expected(self) -> dict[str, Any]:
        fields = ResumeFields(
            name=self.name,
            email=self.email,
            phone=self.phone,
            language=self.lang,
            skills={tag: SkillClaim(level, years) for tag, level, years in self.skills},
            employers=tuple(
                Employment(job.company, month_text(job.start), month_text(job.end))
                for job in self.jobs
            ),
            salary=Salary(*self.salary) if self.salary else None,
        )
        return fields.to_json()


def month_text(month: Month | None) -> str:
    return PRESENT if month is None else f"{month[0]:04d}-{month[1]:02d}"


def add_months(month: Month, count: int) -> Month:
    total = month[0] * 12 + month[1] - 1 + count
    return (total // 12, total % 12 + 1)


def employers_within(jobs: list[Job], years: int = 3) -> int:
    since = add_months((2026, 11), -12 * years)
    return sum(1 for job in jobs if job.end is None or job.end >= since)


# ----------------------------------------------------------------------------- people


def make_skills(
    rng: random.Random, kind: str, jobs: list[Job]
) -> list[tuple[str, str | None, float | None]]:
    if kind in ("strong", "over"):
        tags = list(JOB_TAGS) + rng.sample(OTHER_TAGS, rng.randint(2, 4))
        levels, years = ["proficient", "expert"], [2.0, 3.0, 4.0, 5.0, 6.0]
    elif kind == "weak":
        tags = ["excel", *rng.sample(["python", "prompt-engineering", "data-annotation"], 2)]
        tags = tags[: rng.randint(1, 3)]
        levels, years = ["basic", "familiar"], [1.0, 1.5]
    else:
        tags = [tag for tag in JOB_TAGS if rng.random() < 0.75] or ["python"]
        tags += rng.sample(OTHER_TAGS, rng.randint(1, 3))
        levels, years = ["basic", "familiar", "proficient"], [1.0, 1.5, 2.0, 3.0]
    skills: list[tuple[str, str | None, float | None]] = []
    for tag in tags:
        shown = rng.choice(["level", "years", "both", "both"])
        if tag in OTHER_TAGS and rng.random() < 0.2:
            shown = "neither"
        level = rng.choice(levels) if shown in ("level", "both") else None
        claim_years = rng.choice(years) if shown in ("years", "both") else None
        if claim_years is not None and jobs:  # no more years than the career has
            claim_years = min(claim_years, float(max(1, 2026 - jobs[-1].start[0])))
        if tag == "ml-basics" and kind in ("strong", "over") and level:
            level = rng.choice(["familiar", "proficient"])
        skills.append((tag, level, claim_years))
    return skills


def company_name(rng: random.Random, lang: str) -> str:
    if lang == "zh" and rng.random() < 0.85:
        city = rng.choice(ZH_CITIES) if rng.random() < 0.7 else ""
        return city + rng.choice(ZH_CORES) + rng.choice(ZH_SUFFIXES)
    if rng.random() < 0.2:
        city, core = rng.choice(PINYIN_CITIES), rng.choice(PINYIN_CORES)
        return f"{city} {core} Technology Co., Ltd."
    words = [rng.choice(EN_CORES), rng.choice(EN_MIDS), rng.choice(EN_SUFFIXES)]
    return " ".join(word for word in words if word)


def make_jobs(rng: random.Random, kind: str, lang: str) -> list[Job]:
    spans: list[tuple[Month, Month | None]] = []  # oldest first
    if kind == "unstable":
        count = rng.choice([4, 5])
        start: Month = (2024, rng.randint(1, 3))
        for _ in range(count):
            length = rng.randint(4, 6) if count == 5 else rng.randint(5, 8)
            end = add_months(start, length - 1)
            spans.append((start, end))
            start = add_months(end, rng.randint(1, 2))
        if rng.random() < 0.7 or end > LAST_MONTH:
            spans[-1] = (spans[-1][0], None)
        if rng.random() < 0.4:
            old_end: Month = (2023, rng.randint(1, 6))
            spans.insert(0, (add_months(old_end, -rng.randint(18, 36)), old_end))
    else:
        choices = {"strong": [2, 3], "over": [2, 3, 4], "medium": [1, 2, 3, 4], "weak": [0, 1, 2]}
        count = rng.choice(choices[kind])
        end_: Month | None = None if rng.random() < 0.75 else (2026, rng.randint(5, 9))
        for _ in range(count):
            start = add_months(end_ or LAST_MONTH, -rng.randint(18, 40))
            spans.insert(0, (start, end_))
            end_ = add_months(start, -rng.randint(1, 3))
    companies: list[str] = []
    while len(companies) < len(spans):
        name = company_name(rng, lang)
        if name not in companies:
            companies.append(name)
    jobs = [
        Job(company, rng.choice(TITLES[lang]), start, end, rng.sample(DUTIES[lang], 2))
        for company, (start, end) in zip(companies, spans, strict=True)
    ]
    jobs.reverse()  # newest first, as resumes list them
    within = employers_within(jobs)
    assert (within >= 4) == (kind == "unstable"), (kind, within)
    return jobs


def make_salary(rng: random.Random, kind: str, lang: str) -> tuple[Any, str | None]:
    roll = rng.random()
    if kind != "over" and roll < 0.2:
        return None, None
    if kind != "over" and roll < 0.35:
        options = {
            "zh": ["期望薪资：面议", "薪资面议"],
            "en": ["Expected salary: negotiable", "Salary: Negotiable"],
        }
        return None, rng.choice(options[lang])
    monthly = rng.random() < (0.6 if kind == "over" else 0.75)
    if monthly:
        low = rng.randint(23, 32) if kind == "over" else rng.randint(13, 19)
        high = low + rng.choice([0, 3, 5]) if kind == "over" else min(22, low + rng.randint(0, 5))
    else:
        low = rng.choice([30, 32, 35, 40]) if kind == "over" else rng.choice([15, 18, 20, 22])
        high = low + rng.choice([0, 5, 10]) if kind == "over" else min(26, low + rng.randint(0, 4))
    if monthly:
        salary = (low * 1000, high * 1000, "month")
        lo, hi = low * 1000, high * 1000
        ranged = {
            "zh": [
                f"期望月薪{low}-{high}K",
                f"期望薪资：{low}k-{high}k/月",
                f"期望月薪：{lo}-{hi}元",
            ],
            "en": [
                f"Expected salary: {lo:,}–{hi:,} RMB per month",
                f"Salary expectation: {low}K-{high}K per month",
                f"Expected salary: RMB {low}k–{high}k/month",
            ],
        }
        single = {
            "zh": [f"期望月薪{low}K", f"期望薪资：{low}k/月"],
            "en": [f"expected salary {low}k/month", f"Expected salary: {lo:,} RMB per month"],
        }
    else:
        salary = (low * 10000, high * 10000, "year")
        lo, hi = low * 10000, high * 10000
        ranged = {
            "zh": [f"期望薪资：{low}-{high}万/年", f"期望年薪：{low}-{high}万/年"],
            "en": [
                f"Expected salary: {lo:,}–{hi:,} RMB per year",
                f"Salary expectation: RMB {low * 10}k-{high * 10}k per year",
            ],
        }
        single = {
            "zh": [f"年薪{low}万", f"期望年薪{low}万"],
            "en": [f"Expected salary: {lo:,} RMB per year", f"Expected annual salary: RMB {lo:,}"],
        }
    text = rng.choice((single if low == high else ranged)[lang])
    return salary, text


def make_school(rng: random.Random, lang: str, jobs: list[Job]) -> tuple[Any, ...]:
    first = jobs[-1].start if jobs else (2026, 7)
    end = (first[0] if first[1] >= 7 else first[0] - 1, 6)
    degree = rng.choice(DEGREES[lang])
    start = (end[0] - (3 if degree in ("硕士", "M.Sc.") else 4), 9)
    return (rng.choice(SCHOOLS[lang]), rng.choice(MAJORS[lang]), degree, start, end)


def make_phone(rng: random.Random) -> tuple[str, str]:
    digits = "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))
    a, b, c = digits[:3], digits[3:7], digits[7:]
    shown = rng.choice(
        [f"{a} {b} {c}", digits, f"+86 {a}-{b}-{c}", f"{a}-{b}-{c}", f"(+86) {digits}"]
    )
    return digits, shown


def make_people() -> list[Person]:
    rng = random.Random(SEED)  # noqa: S311 - a reproducible corpus, not secrets
    people: list[Person] = []
    used_names: set[str] = set()
    used_phones: set[str] = set()
    for lang in ("zh", "en"):
        slots = [("pdf", LAYOUTS[i % 5]) for i in range(13)]
        slots += [("docx", LAYOUTS[(i + 2) % 5]) for i in range(13)]
        slots += [("txt", TXT_LAYOUTS[i % 4]) for i in range(6)]
        kinds = KINDS[:]
        rng.shuffle(kinds)
        order = list(range(PER_LANGUAGE))
        rng.shuffle(order)
        txt_count = 0
        for number, slot in enumerate(order, start=1):
            fmt, layout = slots[slot]
            index = len(people) + 1
            prng = random.Random(SEED * 100 + index)  # noqa: S311
            while True:
                if lang == "zh":
                    (surname, s_py), (given, g_py) = prng.choice(ZH_SURNAMES), prng.choice(ZH_GIVEN)
                    name, local = surname + given, prng.choice([f"{g_py}.{s_py}", s_py + g_py])
                else:
                    first, last = prng.choice(EN_FIRST), prng.choice(EN_LAST)
                    name, local = f"{first} {last}", f"{first}.{last}".lower()
                if name not in used_names:
                    break
            used_names.add(name)
            email = f"{local}+{index:02d}@{prng.choice(EMAIL_DOMAINS)}"
            while True:
                phone, phone_shown = make_phone(prng)
                if phone not in used_phones:
                    break
            used_phones.add(phone)
            kind = kinds[number - 1]
            jobs = make_jobs(prng, kind, lang)
            salary, salary_text = make_salary(prng, kind, lang)
            person = Person(
                file=f"{lang}-{number:02d}.{fmt}",
                lang=lang,
                kind=kind,
                layout=layout,
                name=name,
                email=email,
                phone=phone,
                phone_shown=phone_shown,
                skills=make_skills(prng, kind, jobs),
                jobs=jobs,
                salary=salary,
                salary_text=salary_text,
                school=make_school(prng, lang, jobs),
                date_style=prng.randrange(5),
                rng=prng,
            )
            if fmt == "txt":
                if lang == "zh":
                    person.encoding = ("gb18030", "utf-8", "gb18030", "utf-8-sig")[txt_count % 4]
                person.newline = "\r\n" if txt_count % 3 == 2 else "\n"
                txt_count += 1
            people.append(person)
    people.sort(key=lambda p: (p.lang != "zh", p.file))
    return people


# ----------------------------------------------------------------------------- phrasing


def number(value: float) -> str:
    return f"{value:g}"


def zh_years(years: float, plus: bool) -> str:
    return f"{number(years)}年以上" if plus else f"{number(years)}年"


def en_years(years: float, plus: bool) -> str:
    unit = "year" if years == 1 else "years"
    return f"{number(years)}+ {unit}" if plus else f"{number(years)} {unit}"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def skill_phrase(person: Person, tag: str, level: str | None, years: float | None) -> str:
    rng = person.rng
    word = rng.choice(SKILL_WORDS[person.lang][tag])
    if level == "basic" and word == "machine learning basics":
        word = "machine learning"  # not "Basic knowledge of machine learning basics"
    plus = years is not None and years >= 3 and years.is_integer() and rng.random() < 0.35
    if person.lang == "zh":
        y = zh_years(years, plus) if years is not None else ""
        if level and years is not None:
            short, verb = ZH_LEVEL[level], ZH_LEVEL_VERB[level]
            return rng.choice(
                [f"{verb}{word}，{y}经验", f"{word}（{short}，{y}）", f"{y}{word}经验，{short}"]
            )
        if level:
            short, verb = ZH_LEVEL[level], ZH_LEVEL_VERB[level]
            return rng.choice([f"{verb}{word}", f"{word}（{short}）", f"{word}：{short}"])
        if years is not None:
            return rng.choice([f"{y}{word}经验", f"{word}：{y}", f"{word}经验{y}"])
        return word
    y = en_years(years, plus) if years is not None else ""
    if level and years is not None:
        lead = EN_LEVEL_LEAD[level]
        return rng.choice(
            [
                f"{lead} {word} ({y})",
                f"{capital(word)} — {level}, {y}",
                f"{capital(word)} ({level}, {y})",
            ]
        )
    if level:
        lead = EN_LEVEL_LEAD[level]
        return rng.choice(
            [f"{lead} {word}", f"{capital(word)} ({level})", f"{capital(word)}: {level}"]
        )
    if years is not None:
        return rng.choice(
            [f"{y} of {word}", f"{capital(word)}: {y}", f"{y} of experience in {word}"]
        )
    return capital(word)


def skill_row(person: Person, tag: str, level: str | None, years: float | None) -> list[str]:
    rng, none = person.rng, LABELS[person.lang]["none"]
    word = capital(rng.choice(SKILL_WORDS[person.lang][tag]))
    if person.lang == "zh":
        shown_level = ZH_LEVEL[level] if level else none
        shown_years = zh_years(years, False) if years is not None else none
    else:
        shown_level = level or none
        shown_years = en_years(years, False) if years is not None else none
    return [word, shown_level, shown_years]


def month_shown(style: int, lang: str, month: Month | None) -> str:
    if month is None:
        if lang == "zh":
            return "至今"
        return ("Present", "present", "Present", "Present", "Now")[style]
    year, mon = month
    if lang == "zh":
        shown = (f"{year}.{mon:02d}", f"{year}/{mon:02d}", f"{year}年{mon}月", f"{year}-{mon:02d}")
        return (*shown, f"{year}.{mon}")[style]
    return (
        f"{MONTHS[mon - 1][:3]} {year}",
        f"{year}-{mon:02d}",
        f"{mon:02d}/{year}",
        f"{MONTHS[mon - 1]} {year}",
        f"{year}.{mon:02d}",
    )[style]


def span_shown(person: Person, start: Month, end: Month | None) -> str:
    style = person.date_style
    joins = {"zh": (" - ", "–", " - ", " ~ ", "-"), "en": (" – ", " to ", " - ", " – ", " - ")}
    joiner = joins[person.lang][style]
    return month_shown(style, person.lang, start) + joiner + month_shown(style, person.lang, end)


def contact_lines(person: Person) -> list[str]:
    labels, rng = LABELS[person.lang], person.rng
    colon = "：" if person.lang == "zh" else ": "
    return [
        f"{rng.choice(labels['phone'])}{colon}{person.phone_shown}",
        f"{rng.choice(labels['email'])}{colon}{person.email}",
    ]


def education_line(person: Person) -> str:
    school, major, degree, start, end = person.school
    span = span_shown(person, start, end)
    if person.lang == "zh":
        return f"{span}　{school}　{major}　{degree}"
    return f"{span} | {school} | {degree} {major}"


def job_line(person: Person, job: Job) -> str:
    span = span_shown(person, job.start, job.end)
    alternate = int(person.file[3:5]) % 2 == 0  # one line order per resume
    if person.lang == "zh":
        if alternate:
            return f"{span}　{job.company}　{job.title}"
        return f"{job.company}　{job.title}　{span}"
    if alternate:
        return f"{job.company} | {job.title} | {span}"
    return f"{job.title}, {job.company} ({span})"


# ----------------------------------------------------------------------------- layouts


def experience_blocks(person: Person) -> list[Block]:
    blocks: list[Block] = [("heading", LABELS[person.lang]["experience"])]
    if not person.jobs:
        return [*blocks, ("line", LABELS[person.lang]["no_jobs"])]
    for job in person.jobs:
        blocks += [("line", job_line(person, job)), ("bullets", job.duties)]
    return blocks


def intent_line(person: Person) -> str:
    labels = LABELS[person.lang]
    colon = "：" if person.lang == "zh" else ": "
    return f"{labels['intent']}{colon}{labels['role']}"


def sections(person: Person) -> list[Block]:
    labels = LABELS[person.lang]
    intent = intent_line(person)
    contact = ("　" if person.lang == "zh" else " | ").join(contact_lines(person))
    blocks: list[Block] = [("title", person.name), ("line", contact)]
    if person.salary_text and person.rng.random() < 0.5:
        blocks.append(
            ("line", intent + ("　｜　" if person.lang == "zh" else " | ") + person.salary_text)
        )
    else:
        blocks += [("line", line) for line in [intent, person.salary_text] if line]
    skills: list[Block] = [
        ("heading", labels["skills"]),
        ("bullets", [skill_phrase(person, *claim) for claim in person.skills]),
    ]
    experience = experience_blocks(person)
    blocks += skills + experience if person.rng.random() < 0.5 else experience + skills
    return [*blocks, ("heading", labels["education"]), ("line", education_line(person))]


def table(person: Person) -> list[Block]:
    labels = LABELS[person.lang]
    phone, email = contact_lines(person)
    colon = "：" if person.lang == "zh" else ": "
    (phone_label, phone_value), (email_label, email_value) = (
        phone.split(colon, 1),
        email.split(colon, 1),
    )
    blocks: list[Block] = [
        ("title", person.name),
        (
            "table",
            [
                [labels["name"], person.name, phone_label, phone_value],
                [email_label, email_value, labels["intent"], labels["role"]],
            ],
        ),
    ]
    if person.salary_text:
        blocks.append(("line", person.salary_text))
    blocks += [
        ("heading", labels["skills"]),
        ("table", [labels["skill_head"]] + [skill_row(person, *claim) for claim in person.skills]),
        ("heading", labels["experience"]),
    ]
    if person.jobs:
        rows = [
            [span_shown(person, job.start, job.end), job.company, job.title] for job in person.jobs
        ]
        blocks.append(("table", [labels["job_head"], *rows]))
    else:
        blocks.append(("line", labels["no_jobs"]))
    return [*blocks, ("heading", labels["education"]), ("line", education_line(person))]


def keyvalue(person: Person) -> list[Block]:
    labels = LABELS[person.lang]
    zh = person.lang == "zh"
    colon = "：" if zh else ": "
    lines = [f"{labels['name']}{colon}{person.name}", *contact_lines(person)]
    lines.append(f"{labels['intent']}{colon}{labels['role']}")
    if person.salary_text:
        lines.append(person.salary_text)
    phrases = [skill_phrase(person, *claim) for claim in person.skills]
    lines.append(f"{labels['skills']}{colon}{labels['sep'].join(phrases)}")
    lines.append(f"{labels['experience']}{colon}" + ("" if person.jobs else labels["no_jobs"]))
    for job in person.jobs:
        span = span_shown(person, job.start, job.end)
        lines.append(
            f"  {span}，{job.company}，{job.title}"
            if zh
            else f"  {span} | {job.company} | {job.title}"
        )
    lines.append(f"{labels['education']}{colon}{education_line(person)}")
    return [("line", line) for line in lines]


def summary(person: Person) -> list[Block]:
    school, major, degree, _, end = person.school
    phrases = [skill_phrase(person, *claim) for claim in person.skills]
    salary = [person.salary_text] if person.salary_text else []
    if person.lang == "zh":
        jobs = "；".join(
            f"{span_shown(person, job.start, job.end)}就职于{job.company}，任{job.title}"
            for job in person.jobs
        )
        parts = [
            f"{person.name}，手机{person.phone_shown}，邮箱{person.email}",
            f"{end[0]}年毕业于{school}{major}专业（{degree}）",
            "技能方面：" + "；".join(phrases),
            f"工作经历：{jobs}" if jobs else LABELS["zh"]["no_jobs"],
            *salary,
        ]
        return [("title", person.name), ("line", "。".join(parts) + "。")]
    jobs = "; ".join(
        f"{job.title} at {job.company} ({span_shown(person, job.start, job.end)})"
        for job in person.jobs
    )
    parts = [
        f"{person.name}, {person.phone_shown}, {person.email}",
        f"{degree} in {major}, {school}, {end[0]}",
        "Skills: " + "; ".join(phrases),
        f"Experience: {jobs}" if jobs else LABELS["en"]["no_jobs"],
        *[capital(text) for text in salary],
    ]
    return [("title", person.name), ("line", ". ".join(parts) + ".")]


def sidebar(person: Person) -> list[Block]:
    labels = LABELS[person.lang]
    left: list[Block] = [("line", line) for line in contact_lines(person)]
    if person.salary_text:
        left.append(("line", person.salary_text))
    left += [
        ("heading", labels["skills"]),
        ("bullets", [skill_phrase(person, *c) for c in person.skills]),
    ]
    right = [
        *experience_blocks(person),
        ("heading", labels["education"]),
        ("line", education_line(person)),
    ]
    return [("title", person.name), ("line", intent_line(person)), ("columns", left, right)]


LAYOUT_FUNCTIONS = {
    "sections": sections,
    "table": table,
    "keyvalue": keyvalue,
    "summary": summary,
    "sidebar": sidebar,
}

# ----------------------------------------------------------------------------- rendering

FONTS = {
    "zh": ["Noto Sans CJK SC", "Noto Serif CJK SC"],
    "en": ["DejaVu Sans", "Liberation Serif", "Liberation Sans", "DejaVu Serif"],
}
# Chinese headings stay in the regular face: each CJK face adds ~150 KB to a PDF, because
# WeasyPrint's subsets keep glyph ids and so an empty slot for every unused glyph.
CSS = Template("""
@page { size: A4; margin: 15mm 16mm; }
body { font-family: "$font"; font-size: 10pt; line-height: 1.45; color: #222; }
h1, h2 { font-weight: $weight; color: $colour; }
h1 { font-size: 18pt; margin: 0 0 4pt; }
h2 { font-size: 11.5pt; border-bottom: 1px solid #999; margin: 10pt 0 4pt; }
p { margin: 2pt 0; }
ul { margin: 2pt 0 4pt 14pt; padding: 0; }
table { border-collapse: collapse; width: 100%; margin: 3pt 0; }
td { border: 1px solid #bbb; padding: 2pt 5pt; vertical-align: top; }
table.cols td { border: none; padding: 0 8pt 0 0; }
td.side { width: 34%; background: #f2f4f7; padding: 4pt 8pt; }
""")
COLOURS = ["#1f3a5f", "#333", "#7a2e2e", "#245c3a"]


def html_blocks(blocks: list[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind == "title":
            out.append(f"<h1>{escape(block[1])}</h1>")
        elif kind == "heading":
            out.append(f"<h2>{escape(block[1])}</h2>")
        elif kind == "line":
            out.append(f"<p>{escape(block[1])}</p>")
        elif kind == "bullets":
            out.append("<ul>" + "".join(f"<li>{escape(item)}</li>" for item in block[1]) + "</ul>")
        elif kind == "table":
            rows = (
                "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>"
                for row in block[1]
            )
            out.append("<table>" + "".join(rows) + "</table>")
        elif kind == "columns":
            left, right = html_blocks(block[1]), html_blocks(block[2])
            out.append(
                f'<table class="cols"><tr><td class="side">{left}</td><td>{right}</td></tr></table>'
            )
    return "\n".join(out)


def render_pdf(person: Person, blocks: list[Block]) -> bytes:
    number_ = int(person.file[3:5])
    font = FONTS[person.lang][number_ % len(FONTS[person.lang])]
    colour = COLOURS[number_ % len(COLOURS)]
    title = ("简历 - " if person.lang == "zh" else "Resume - ") + person.name
    weight = "normal" if person.lang == "zh" else "bold"
    css = CSS.substitute(font=font, colour=colour, weight=weight)
    html = (
        f'<!doctype html><html lang="{person.lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{css}</style></head>"
        f"<body>{html_blocks(blocks)}</body></html>"
    )
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def docx_blocks(document: Any, container: Any, blocks: list[Block], in_cell: bool = False) -> None:
    for block in blocks:
        kind = block[0]
        if kind == "title" or (kind == "heading" and in_cell):
            run = container.add_paragraph().add_run(block[1])
            run.bold = True
            run.font.size = Pt(20 if kind == "title" else 12)
        elif kind == "heading":
            document.add_heading(block[1], level=1)
        elif kind == "line":
            container.add_paragraph(block[1])
        elif kind == "bullets":
            for item in block[1]:
                container.add_paragraph(item, style="List Bullet")
        elif kind == "table":
            rows = block[1]
            grid = container.add_table(rows=len(rows), cols=len(rows[0]))
            grid.style = "Table Grid"
            for row, cells in zip(grid.rows, rows, strict=True):
                for cell, text in zip(row.cells, cells, strict=True):
                    cell.text = text
        elif kind == "columns":
            grid = container.add_table(rows=1, cols=2)
            left, right = grid.rows[0].cells
            docx_blocks(document, left, block[1], in_cell=True)
            docx_blocks(document, right, block[2], in_cell=True)


def render_docx(person: Person, blocks: list[Block]) -> bytes:
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    if person.lang == "zh":
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    props = document.core_properties
    props.author = person.name
    props.title = ("简历" if person.lang == "zh" else "Resume") + f" - {person.name}"
    props.last_modified_by = "hirebench"
    props.created = props.modified = FIXED_TIME.replace(tzinfo=None)
    props.revision = 1
    docx_blocks(document, document, blocks)
    buffer = io.BytesIO()
    document.save(buffer)
    return fixed_zip(buffer.getvalue())


def fixed_zip(data: bytes) -> bytes:
    """The same archive with fixed member dates, so a rerun writes the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, ZIP_TIME)
            dst.writestr(member, src.read(info), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def txt_lines(person: Person, blocks: list[Block]) -> list[str]:
    lines: list[str] = []
    bullet = "• " if int(person.file[3:5]) % 2 else "- "
    for block in blocks:
        kind = block[0]
        if kind == "title":
            lines += [block[1], ""]
        elif kind == "heading":
            if person.lang == "zh":
                lines += ["", f"【{block[1]}】"]
            else:
                lines += ["", block[1].upper(), "-" * len(block[1])]
        elif kind == "line":
            lines.append(block[1])
        elif kind == "bullets":
            lines += [bullet + item for item in block[1]]
        elif kind == "table":
            lines += [" | ".join(row) for row in block[1]]
        elif kind == "columns":
            lines += txt_lines(person, block[1] + block[2])
    return lines


def render_txt(person: Person, blocks: list[Block]) -> bytes:
    text = person.newline.join(txt_lines(person, blocks)) + person.newline
    return text.encode(person.encoding)


def render(person: Person) -> bytes:
    blocks = LAYOUT_FUNCTIONS[person.layout](person)
    renderer = {"pdf": render_pdf, "docx": render_docx, "txt": render_txt}[person.fmt]
    return renderer(person, blocks)


# ----------------------------------------------------------------------------- bad files


class FixedIdWriter(PdfWriter):
    """pypdf draws the file identifier (which seeds the encryption key) at random."""

    def generate_file_identifiers(self) -> None:
        ident = ByteStringObject(b"hirebench-corpus")
        self._ID = ArrayObject((ident, ident))


def encrypted_pdf(pdf: bytes) -> bytes:
    writer = FixedIdWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.encrypt("open-sesame", "owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def image_only_pdf(lines: list[str]) -> bytes:
    """A 'scanned' page: the resume's text drawn into a bitmap, no text layer."""
    image = Image.new("1", (1240, 1754), 1)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=26)
    for row, line in enumerate(lines[:50]):
        line = line.replace("–", "-").replace("—", "-")  # the built-in font is ASCII only
        draw.text((110, 110 + row * 36), line, font=font, fill=0)
    png = io.BytesIO()
    image.save(png, format="PNG", optimize=True)
    data = base64.b64encode(png.getvalue()).decode()
    html = (
        "<html><head><style>@page { size: A4; margin: 0 } img { width: 210mm; display: block }"
        f'</style></head><body><img alt="" src="data:image/png;base64,{data}"></body></html>'
    )
    pdf = weasyprint.HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def legacy_doc() -> bytes:
    """The start of an OLE2 compound file, the container of Word 97-2003 .doc files."""
    header = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + bytes.fromhex("3e000300feff0900")
    return header + bytes(1536 - len(header))


def bad_files(sample: Person) -> list[tuple[str, str, bytes]]:
    pdf = render(sample)
    text_lines = txt_lines(sample, LAYOUT_FUNCTIONS["sections"](sample))
    return [
        ("encrypted.pdf", "encrypted", encrypted_pdf(pdf)),
        ("truncated.pdf", "corrupt", pdf[: len(pdf) * 2 // 5]),
        ("empty.pdf", "empty", b""),
        ("scanned.pdf", "no_text_layer", image_only_pdf(text_lines)),
        ("really-a-pdf.docx", "wrong_extension", pdf),
        ("legacy.doc", "unsupported_type", legacy_doc()),
    ]


def bad_sample() -> Person:
    prng = random.Random(SEED - 1)  # noqa: S311
    jobs = make_jobs(prng, "medium", "en")
    salary, salary_text = make_salary(prng, "medium", "en")
    return Person(
        file="en-00.pdf",
        lang="en",
        kind="medium",
        layout="sections",
        name="Alex Morgan",
        email="alex.morgan+00@example.com",
        phone="13900000000",
        phone_shown="139 0000 0000",
        skills=make_skills(prng, "medium", jobs),
        jobs=jobs,
        salary=salary,
        salary_text=salary_text,
        school=make_school(prng, "en", jobs),
        date_style=0,
        rng=prng,
    )


# ----------------------------------------------------------------------------- main


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def generate(out: Path) -> list[Person]:
    out.mkdir(parents=True, exist_ok=True)
    people = make_people()
    for person in people:
        (out / person.file).write_bytes(render(person))
    manifest = {
        "today": TODAY,
        "resumes": [{"file": p.file, "expected": p.expected()} for p in people],
    }
    write_json(out / "expected.json", manifest)
    bad = out / "bad"
    bad.mkdir(exist_ok=True)
    listing = []
    for name, code, data in bad_files(bad_sample()):
        (bad / name).write_bytes(data)
        listing.append({"file": name, "code": code})
    write_json(bad / "bad.json", listing)
    return people


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="corpus folder")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    people = generate(args.out)
    seconds = time.perf_counter() - started
    size = sum(path.stat().st_size for path in args.out.rglob("*") if path.is_file())
    for lang in ("zh", "en"):
        counts = {
            fmt: sum(1 for p in people if p.lang == lang and p.fmt == fmt)
            for fmt in ("pdf", "docx", "txt")
        }
        print(lang, counts)
    unstable = sum(1 for p in people if p.kind == "unstable")
    over = sum(1 for p in people if p.kind == "over")
    print(f"{len(people)} resumes ({unstable} unstable, {over} over budget) + 6 bad files")
    print(f"{size / 1_000_000:.2f} MB in {args.out}, {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
