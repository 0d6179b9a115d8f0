"""Resume field extraction: whole resumes in Chinese and English with different layouts, then
the single rules (skills and levels, dates, salaries, contact) on their edge cases."""

from __future__ import annotations

import unicodedata
from datetime import date
from typing import Any

import pytest

from hirebench.screening.fields import ResumeFields
from hirebench.screening.parse import parse_resume
from hirebench.screening.synonyms import LEVEL_WORDS, SKILL_SYNONYMS

TODAY = date(2024, 6, 1)


def skill(level: str | None = None, years: float | None = None) -> dict[str, Any]:
    return {"level": level, "years": years}


def job(name: str, start: str, end: str) -> dict[str, str]:
    return {"name": name, "start": start, "end": end}


def salary(low: int, high: int, period: str) -> dict[str, Any]:
    return {"min": low, "max": high, "period": period}


def parse(text: str) -> dict[str, Any]:
    return parse_resume(text, today=TODAY).to_json()


# --- whole resumes: Chinese -----------------------------------------------------------------

ZH_HEADINGS = """张三
手机：138 1234 5678  邮箱：zhangsan@example.com
求职意向
期望月薪18-22K
专业技能
精通Python，熟悉机器学习
数据标注经验2年，3年Python经验
了解深度学习、PyTorch
工作经历
2021.03 - 2023.06  字节跳动  数据标注专员
2019/07–至今 某某科技有限公司
2022年3月 - 2023年8月 阿里巴巴 数据运营
教育背景
2015.09-2019.06 北京大学 计算机科学 本科
"""

ZH_TABLE = """个人简历
姓名：李四    性别：女
电话：+86 139-8765-4321
邮箱：lisi@163.com
求职意向：AI训练师 | 期望薪资：18k-22k/月
技能 | 熟练程度 | 年限
Python | 精通 | 5年
数据清洗 | 熟练 | 3年
SQL | 了解 | 1年
工作经历
公司：北京某某网络科技有限公司 | 职位：数据标注组长 | 时间：2020.07-至今
公司：上海某某信息技术有限公司 | 职位：标注员 | 时间：2018.07-2020.06
"""

ZH_KEY_VALUE = """姓名：王五
联系电话：15012345678
电子邮箱：wangwu@qq.com
技能：熟练掌握Python、pandas；熟悉SQL和Excel；了解大模型与提示词工程
工作经验：2022年3月 - 2023年8月 阿里巴巴 数据运营
期望薪资：面议
"""

ZH_BULLETS = """赵六
电话 186 0000 1111
【专业技能】
• 熟悉自然语言处理(NLP)与计算机视觉
• 掌握TensorFlow、PyTorch
• Python基础
【工作经历】
2016 - 2019
深圳市某某集团
算法工程师
- 负责NLP模型训练
2019 - 至今
杭州某某科技
高级算法工程师
【项目经历】
2020.01-2020.06 智能客服标注平台
【期望薪资】
年薪30万
"""

ZH_NUMBERED = """简历
孙七 | 女 | 28岁
手机：13700001111 | 邮箱：sun.qi@example.cn
技能特长：
1. 熟练使用Excel，3年以上使用经验
2. 数据清洗：熟悉
3. 不熟悉Java和深度学习
4. 熟悉CV、LLM
工作经验
2017.09~2019.12  上海某某数据服务有限公司  标注质检员
2020.01~2021.02  某某(北京)科技有限公司  数据标注工程师
期望月薪：1.5万-2万
"""

ZH_BILINGUAL = """周八
Email: zhouba@example.com  Tel: 13500002222
Skills 技能
Python：3年；SQL：2年
机器学习（熟悉），数据标注（精通，4年）
Work Experience 工作经历
某某电商集团 — 数据标注主管
2021年5月至今
某某智能科技有限公司 — 标注员
2019年6月到2021年4月
Expected salary 期望薪资: 25-30K
"""

# --- whole resumes: English -----------------------------------------------------------------

EN_TABLE = """John Smith
john.smith@mail.com | +1 415 555 0123
Skills
- Python (proficient), SQL (basic)
- Proficient in Python and pandas
- 5+ years Python; 2 years of data annotation
- unfamiliar with TensorFlow
Work Experience
Jan 2020 – Present | Acme Corp | Data Labeler
Acme Corp, Data Labeler (2018-05 to 2019-12)
Expected salary: 15,000–18,000 RMB per month
"""

EN_COMPANY_ABOVE = """Jane Doe
Data Annotation Specialist
jane.doe@example.org · Phone: (415) 555-0199

SUMMARY
Detail-oriented annotator with 3 years of experience in data labeling.

SKILLS
Python (intermediate), Excel (advanced), SQL
Machine learning: basic

EXPERIENCE
Globex Technologies Inc.
Senior Data Labeler, March 2021 – Present
• Labeled 50k images for computer vision models
Initech LLC
Data Annotator, Jun 2019 – Feb 2021

EDUCATION
B.Sc. Statistics, State University, 2015 – 2019

Salary expectation: $60,000 per year
"""

EN_KEY_VALUE = """Name: Wei Zhang
Email: wei.zhang@example.com
Phone: +44 20 7946 0958
Skills: Expert in PyTorch and deep learning; familiar with NLP; LLM prompt engineering
Experience: Data Scientist at Hooli Ltd (2019 - 2022)
Expected salary: 20k/month
"""

EN_TRAPS = """Resume
Sam Lee
sam.py@example.com | github.com/samlee/ml-notes | Mobile: 13912345678
Profile
Happy to learn. Built HTML pages and scripts in main.py.
Unfamiliar with SQL. Familiar with Python.
Experience
2020 – 2021  Freelance
Salary: negotiable
"""

EN_DATES_FIRST = """ALEX CHEN
alex@chen.dev
+86 188 1234 5678

WORK EXPERIENCE
07/2019 - now
Shenzhen Example Technology Co., Ltd.
AI Trainer
- 4 years of data annotation; data cleaning with pandas (proficient)
09/2017 - 06/2019
Umbrella Corporation
Intern

TECHNICAL SKILLS
Python 3 yrs | SQL | TensorFlow (basic)

EXPECTED SALARY
25-30K per month
"""

EN_CV_TABLE = """CV — Maria Garcia
maria.garcia@example.com · Phone: +34 612 345 678

Employment History
Company | Role | Period
Example Analytics GmbH | ML Engineer | Sept. 2018 - Dec 2019
Contoso Ltd | Data Analyst | Jan 2020 to Present

Skills
ML (proficient); data cleansing (expert, 6 years); Excel; computer vision
Languages: English, Spanish

Expected salary: 300k-350k/year
"""

RESUMES: dict[str, tuple[str, dict[str, Any]]] = {
    "zh-headings": (
        ZH_HEADINGS,
        {
            "name": "张三",
            "email": "zhangsan@example.com",
            "phone": "13812345678",
            "language": "zh",
            "skills": {
                "python": skill("expert", 3),
                "ml-basics": skill("familiar"),
                "data-annotation": skill(years=2),  # also in a job title, with no level
                "deep-learning": skill("basic"),
                "pytorch": skill("basic"),
            },
            "employers": [
                job("字节跳动", "2021-03", "2023-06"),
                job("某某科技有限公司", "2019-07", "present"),
                job("阿里巴巴", "2022-03", "2023-08"),
            ],
            "salary_expectation": salary(18000, 22000, "month"),
        },
    ),
    "zh-table": (
        ZH_TABLE,
        {
            "name": "李四",
            "email": "lisi@163.com",
            "phone": "13987654321",
            "language": "zh",
            "skills": {
                "python": skill("expert", 5),
                "data-cleaning": skill("proficient", 3),
                "sql": skill("basic", 1),
                "data-annotation": skill(),
            },
            "employers": [
                job("北京某某网络科技有限公司", "2020-07", "present"),
                job("上海某某信息技术有限公司", "2018-07", "2020-06"),
            ],
            "salary_expectation": salary(18000, 22000, "month"),
        },
    ),
    "zh-key-value": (
        ZH_KEY_VALUE,
        {
            "name": "王五",
            "email": "wangwu@qq.com",
            "phone": "15012345678",
            "language": "zh",
            "skills": {
                "python": skill("proficient"),
                "pandas": skill("proficient"),
                "sql": skill("familiar"),
                "excel": skill("familiar"),
                "llm": skill("basic"),
                "prompt-engineering": skill("basic"),
            },
            "employers": [job("阿里巴巴", "2022-03", "2023-08")],
            "salary_expectation": None,
        },
    ),
    "zh-bullets": (
        ZH_BULLETS,
        {
            "name": "赵六",
            "email": None,
            "phone": "18600001111",
            "language": "zh",
            "skills": {
                "nlp": skill("familiar"),
                "computer-vision": skill("familiar"),
                "tensorflow": skill("proficient"),
                "pytorch": skill("proficient"),
                "python": skill("basic"),
                "data-annotation": skill(),  # the project's name
            },
            # The project's dates are not a job; the company is below the dates here.
            "employers": [
                job("深圳市某某集团", "2016-01", "2019-01"),
                job("杭州某某科技", "2019-01", "present"),
            ],
            "salary_expectation": salary(300000, 300000, "year"),
        },
    ),
    "zh-numbered": (
        ZH_NUMBERED,
        {
            "name": "孙七",
            "email": "sun.qi@example.cn",
            "phone": "13700001111",
            "language": "zh",
            "skills": {
                "excel": skill("proficient", 3),
                "data-cleaning": skill("familiar"),
                "computer-vision": skill("familiar"),
                "llm": skill("familiar"),
                "data-annotation": skill(),
                # 深度学习 is denied by 不熟悉, so it is not claimed at all.
            },
            "employers": [
                job("上海某某数据服务有限公司", "2017-09", "2019-12"),
                job("某某(北京)科技有限公司", "2020-01", "2021-02"),
            ],
            "salary_expectation": salary(15000, 20000, "month"),
        },
    ),
    "zh-bilingual": (
        ZH_BILINGUAL,
        {
            "name": "周八",
            "email": "zhouba@example.com",
            "phone": "13500002222",
            "language": "zh",
            "skills": {
                "python": skill(years=3),
                "sql": skill(years=2),
                "ml-basics": skill("familiar"),
                "data-annotation": skill("expert", 4),
            },
            # The company is above the dates here.
            "employers": [
                job("某某电商集团", "2021-05", "present"),
                job("某某智能科技有限公司", "2019-06", "2021-04"),
            ],
            "salary_expectation": salary(25000, 30000, "month"),
        },
    ),
    "en-table": (
        EN_TABLE,
        {
            "name": "John Smith",
            "email": "john.smith@mail.com",
            "phone": "+14155550123",
            "language": "en",
            "skills": {
                "python": skill("proficient", 5),
                "sql": skill("basic"),
                "pandas": skill("proficient"),
                "data-annotation": skill(years=2),
                # "unfamiliar with TensorFlow" claims nothing
            },
            "employers": [
                job("Acme Corp", "2020-01", "present"),
                job("Acme Corp", "2018-05", "2019-12"),
            ],
            "salary_expectation": salary(15000, 18000, "month"),
        },
    ),
    "en-company-above": (
        EN_COMPANY_ABOVE,
        {
            "name": "Jane Doe",
            "email": "jane.doe@example.org",
            "phone": "4155550199",
            "language": "en",
            "skills": {
                "data-annotation": skill(years=3),
                "python": skill("familiar"),
                "excel": skill("proficient"),
                "sql": skill(),
                "ml-basics": skill("basic"),
                "computer-vision": skill(),
            },
            "employers": [
                job("Globex Technologies Inc.", "2021-03", "present"),
                job("Initech LLC", "2019-06", "2021-02"),
            ],
            "salary_expectation": salary(60000, 60000, "year"),
        },
    ),
    "en-key-value": (
        EN_KEY_VALUE,
        {
            "name": "Wei Zhang",
            "email": "wei.zhang@example.com",
            "phone": "+442079460958",
            "language": "en",
            "skills": {
                "pytorch": skill("expert"),
                "deep-learning": skill("expert"),
                "nlp": skill("familiar"),
                "llm": skill(),  # after a ";" the previous level does not carry over
                "prompt-engineering": skill(),
            },
            "employers": [job("Hooli Ltd", "2019-01", "2022-01")],
            "salary_expectation": salary(20000, 20000, "month"),
        },
    ),
    "en-traps": (
        EN_TRAPS,
        {
            "name": "Sam Lee",
            "email": "sam.py@example.com",
            "phone": "13912345678",
            "language": "en",
            # Not "py" in "Happy", "main.py" or the email, not "ML" in "HTML" or "ml-notes",
            # not "familiar" in "Unfamiliar", and the denied SQL is not claimed.
            "skills": {"python": skill("familiar")},
            "employers": [job("Freelance", "2020-01", "2021-01")],
            "salary_expectation": None,
        },
    ),
    "en-dates-first": (
        EN_DATES_FIRST,
        {
            "name": "ALEX CHEN",
            "email": "alex@chen.dev",
            "phone": "18812345678",
            "language": "en",
            "skills": {
                "data-annotation": skill(years=4),
                "data-cleaning": skill(),  # "(proficient)" annotates pandas only
                "pandas": skill("proficient"),
                "python": skill(years=3),
                "sql": skill(),
                "tensorflow": skill("basic"),
            },
            "employers": [
                job("Shenzhen Example Technology Co., Ltd.", "2019-07", "present"),
                job("Umbrella Corporation", "2017-09", "2019-06"),
            ],
            "salary_expectation": salary(25000, 30000, "month"),
        },
    ),
    "en-cv-table": (
        EN_CV_TABLE,
        {
            "name": "Maria Garcia",
            "email": "maria.garcia@example.com",
            "phone": "+34612345678",
            "language": "en",
            "skills": {
                "ml-basics": skill("proficient"),
                "data-cleaning": skill("expert", 6),
                "excel": skill(),
                "computer-vision": skill(),  # the "CV" of the title is not one
            },
            "employers": [
                job("Example Analytics GmbH", "2018-09", "2019-12"),
                job("Contoso Ltd", "2020-01", "present"),
            ],
            "salary_expectation": salary(300000, 350000, "year"),
        },
    ),
}


@pytest.mark.parametrize("key", RESUMES)
def test_resume(key: str) -> None:
    text, expected = RESUMES[key]
    got = parse(text)
    # Compare skills as a dict (to_json sorts them) and years as numbers.
    assert got == {**expected, "skills": dict(sorted(expected["skills"].items()))}


def test_round_trips_through_json() -> None:
    fields = parse_resume(ZH_HEADINGS, today=TODAY)
    assert ResumeFields.from_json(fields.to_json()) == fields


def test_full_width_text_after_nfkc() -> None:
    # Extraction NFKC-normalises; full-width colons, brackets and digits then parse alike.
    raw = (
        "姓名：吴九\n技能：精通Ｐｙｔｈｏｎ（５年），熟悉ＳＱＬ\n"
        "工作经历\n２０２０．０３－至今　某某科技有限公司\n"
    )
    fields = parse_resume(unicodedata.normalize("NFKC", raw), today=TODAY)
    assert fields.name == "吴九"
    assert fields.skills["python"].level == "expert"
    assert fields.skills["python"].years == 5
    assert fields.skills["sql"].level == "familiar"
    assert [(e.name, e.start, e.end) for e in fields.employers] == [
        ("某某科技有限公司", "2020-03", "present")
    ]


# --- skills ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("精通Python，熟悉机器学习", {"python": ("expert", None), "ml-basics": ("familiar", None)}),
        (
            "Python (proficient), SQL (basic)",
            {"python": ("proficient", None), "sql": ("basic", None)},
        ),
        (
            "Proficient in Python and pandas",
            {"python": ("proficient", None), "pandas": ("proficient", None)},
        ),
        (
            "Proficient in Python, pandas and SQL",
            {t: ("proficient", None) for t in ("python", "pandas", "sql")},
        ),
        ("熟练掌握Python", {"python": ("proficient", None)}),
        ("掌握SQL", {"sql": ("proficient", None)}),
        ("3年Python经验", {"python": (None, 3)}),
        ("Python：3年", {"python": (None, 3)}),
        ("2 years of data annotation", {"data-annotation": (None, 2)}),
        ("数据标注经验2年", {"data-annotation": (None, 2)}),
        ("5+ years Python", {"python": (None, 5)}),
        ("3年以上Python开发经验", {"python": (None, 3)}),
        ("Python: expert, 3 years", {"python": ("expert", 3)}),
        ("机器学习基础", {"ml-basics": (None, None)}),  # 基础 is part of the name here
        ("Python基础", {"python": ("basic", None)}),
        (
            "深度学习 and machine learning",
            {"deep-learning": (None, None), "ml-basics": (None, None)},
        ),
        ("Python, SQL", {"python": (None, None), "sql": (None, None)}),
        (
            "data-cleaning, data labelling",
            {"data-cleaning": (None, None), "data-annotation": (None, None)},
        ),
        ("python3 and py", {"python": (None, None)}),
        ("Hive SQL, MySQL", {"sql": (None, None)}),
        ("熟悉大语言模型和自然语言处理", {"llm": ("familiar", None), "nlp": ("familiar", None)}),
        ("Proficient in Python but unfamiliar with TensorFlow", {"python": ("proficient", None)}),
        ("不了解PyTorch", {}),
        ("I'm happy with HTML and XML", {}),  # no "py", no "ML"
        ("cv and ml in lower case", {}),  # the résumé and millilitres
        ("I excel at teamwork", {}),
        ("Built a Python pipeline in 2021年", {"python": (None, None)}),  # a year is not years
        # The years of "1年数据清洗经验" end with ";" and do not carry over to TensorFlow.
        (
            "1年数据清洗经验,熟悉;了解TensorFlow",
            {"data-cleaning": ("familiar", 1), "tensorflow": ("basic", None)},
        ),
        ("熟练掌握Prompt 工程", {"prompt-engineering": ("proficient", None)}),
        ("Machine learning basics (familiar)", {"ml-basics": ("familiar", None)}),
    ],
)
def test_skill_line(line: str, expected: dict[str, tuple[str | None, float | None]]) -> None:
    skills = parse_resume("Name: X\n" + line, today=TODAY).skills
    assert {tag: (c.level, c.years) for tag, c in skills.items()} == expected


def test_lines_wrapped_by_a_pdf_are_joined() -> None:
    text = (
        "Mei Chen\n"
        "Skills: Basic knowledge of machine\n"
        "learning; Prompt engineering (proficient, 1\n"
        "year)\n"
        "jane@example.com\n"  # lower case, but an email: a line of its own
        "技能方面:Python(熟练);数据标注经验6年;数据清洗(精通);Excel:精通;SQL(熟练);计\n"
        "算机视觉(熟练);5年以上提示词工程经验,熟练。工作经历:2021年10月 - 2023\n"
        "年4月就职于杭州极光科技有限公司,任搜索评估专员,负责搜索相关性评估与质检复核工作与团队\n"
        "工作经历:2016-2019 不与上一行相连有限公司\n"  # a "key:" line starts anew
    )
    fields = parse_resume(text, today=TODAY)
    skills = {tag: (c.level, c.years) for tag, c in fields.skills.items()}
    assert skills["ml-basics"] == ("basic", None)
    assert skills["prompt-engineering"] == ("proficient", 5)
    assert skills["computer-vision"] == ("proficient", None)
    assert fields.email == "jane@example.com"
    assert [(e.name, e.start, e.end) for e in fields.employers] == [
        ("杭州极光科技有限公司", "2021-10", "2023-04"),
        ("不与上一行相连有限公司", "2016-01", "2019-01"),
    ]


@pytest.mark.parametrize(
    ("text", "is_skill"),
    [
        ("Ana Lima\nMy CV lists only paid work.", False),
        ("Ana Lima\nA printed CV is available on request.", False),
        ("Ana Lima\nReferences: see the CV attached.", False),
        ("Ana Lima\nSkills\nCV", True),  # in a skills section
        ("Ana Lima\nWorked on NLP and CV models", True),  # in a list with other skills
        ("Ana Lima\nPython, CV, SQL", True),
        ("Ana Lima\n计算机视觉(CV)方向", True),
        ("张三\n负责CV算法的数据标注", True),  # Chinese calls a resume 简历
        ("Ana Lima\nBuilt computer vision pipelines", True),
    ],
)
def test_cv_is_computer_vision_only_where_skills_are(text: str, is_skill: bool) -> None:
    assert ("computer-vision" in parse(text)["skills"]) is is_skill


def test_strongest_claim_wins_across_mentions() -> None:
    text = "技能\n精通Python\n了解Python\n工作经历\n用Python做数据清洗, 2 years Python\n"
    claim = parse_resume(text, today=TODAY).skills["python"]
    assert (claim.level, claim.years) == ("expert", 2)


def test_synonym_table_covers_the_demo_profile() -> None:
    for tag in ("python", "data-annotation", "ml-basics", "data-cleaning"):
        assert tag in SKILL_SYNONYMS
    levels = dict(LEVEL_WORDS)
    assert (levels["精通"], levels["熟练掌握"], levels["熟悉"], levels["了解"]) == (
        "expert",
        "proficient",
        "familiar",
        "basic",
    )


# --- employers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2021.03 - 2023.06  字节跳动  数据标注专员", ("字节跳动", "2021-03", "2023-06")),
        ("2019/07–至今 某某科技有限公司", ("某某科技有限公司", "2019-07", "present")),
        ("Jan 2020 – Present | Acme Corp | Data Labeler", ("Acme Corp", "2020-01", "present")),
        ("Acme Corp, Data Labeler (2018-05 to 2019-12)", ("Acme Corp", "2018-05", "2019-12")),
        ("2022年3月 - 2023年8月 阿里巴巴", ("阿里巴巴", "2022-03", "2023-08")),
        ("2018 - 2020 Initech Inc", ("Initech Inc", "2018-01", "2020-01")),
        ("2020.3-现在 某某集团 运营", ("某某集团", "2020-03", "present")),
        ("Data Labeler at Hooli LLC, 03/2021 - current", ("Hooli LLC", "2021-03", "present")),
        (
            "2019年7月至2021年6月 某某科技有限公司数据标注员",
            ("某某科技有限公司", "2019-07", "2021-06"),
        ),
        ("September 2017 – May 2019  Pied Piper  QA Tester", ("Pied Piper", "2017-09", "2019-05")),
        # Dates with a day are read to the month.
        ("2016-03-07 至 2016-08-19:某某数据科技", ("某某数据科技", "2016-03", "2016-08")),
        ("2016.03.07-2016.08.19 某某数据科技", ("某某数据科技", "2016-03", "2016-08")),
        ("2016年3月7日至2016年8月19日 某某数据科技", ("某某数据科技", "2016-03", "2016-08")),
        ("2018-11-01 - 2021-02-28  Globex Ltd", ("Globex Ltd", "2018-11", "2021-02")),
        ("2018/11/01 – present  Globex Ltd", ("Globex Ltd", "2018-11", "present")),
        # A title that opens with a company suffix is not the company.
        (
            "Senior Software Engineer | TechCorp Inc. | 2021 - 2023",
            ("TechCorp Inc.", "2021-01", "2023-01"),
        ),
        ("Solutions Architect | Initech | 2019 - 2021", ("Initech", "2019-01", "2021-01")),
        (
            "Acme Software Ltd. Data Labeler | 2020 - 2022",
            ("Acme Software Ltd.", "2020-01", "2022-01"),
        ),
        # A title whose spaces a PDF lost is not the company either.
        ("Globex Ltd | DATAENGINEER | 2018 - 2020", ("Globex Ltd", "2018-01", "2020-01")),
        ("SiteReliabilityEngineer | Initech | 2018 - 2020", ("Initech", "2018-01", "2020-01")),
    ],
)
def test_employer_line(line: str, expected: tuple[str, str, str]) -> None:
    employers = parse_resume(f"Name: X\nWork experience\n{line}\n", today=TODAY).employers
    assert [(e.name, e.start, e.end) for e in employers] == [expected]


@pytest.mark.parametrize(
    "lines",
    [
        "工作时间: 2017.5 - 至今\n单 位: 杭州某某网络",
        "时间：2017.5 - 至今\n公司：杭州某某网络",
        "在职时间 | 2017.5 - 至今\n杭州某某网络",
    ],
)
def test_a_label_whose_value_is_the_dates_is_not_the_employer(lines: str) -> None:
    employers = parse_resume(f"工作经历\n{lines}\n", today=TODAY).employers
    assert [(e.name, e.start, e.end) for e in employers] == [("杭州某某网络", "2017-05", "present")]


@pytest.mark.parametrize(
    "heading",
    [
        "实习/项目经历",
        "项目/实习经历",
        "Research Experience",
        "Research & Projects",
        "Professional Experience",
        "Work History",
        "Internship Experience",
        "实习经验",
        "工作经验",
    ],
)
def test_experience_headings(heading: str) -> None:
    text = f"Name: X\n教育背景\n2012.09-2016.06 某某大学\n{heading}\n2019.01-2020.02 Initech Inc\n"
    employers = parse_resume(text, today=TODAY).employers
    assert [(e.name, e.start, e.end) for e in employers] == [("Initech Inc", "2019-01", "2020-02")]


def test_education_experience_is_education() -> None:
    text = "Education Experience\n2012.09-2016.06 Some University\n"
    assert parse_resume(text, today=TODAY).employers == ()


def test_education_and_projects_are_not_employers() -> None:
    text = (
        "工作经历\n2020.01-2021.01 某某科技有限公司\n"
        "项目经历\n2020.03-2020.06 标注平台重构\n"
        "教育背景\n2015.09-2019.06 某某大学\n"
    )
    assert [e.name for e in parse_resume(text, today=TODAY).employers] == ["某某科技有限公司"]


def test_without_an_experience_heading_schools_are_skipped() -> None:
    text = "Li Lei\n2015 - 2019 Tsinghua University\n2019 - 2022 Acme Corp, Analyst\n"
    employers = parse_resume(text, today=TODAY).employers
    assert [(e.name, e.start, e.end) for e in employers] == [("Acme Corp", "2019-01", "2022-01")]


def test_future_dates_are_not_jobs() -> None:
    text = "Experience\n2031.01 - 2032.01 Future Corp\n"
    assert parse_resume(text, today=TODAY).employers == ()


# --- salary ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("期望月薪18-22K", (18000, 22000, "month")),
        ("期望薪资：18k-22k/月", (18000, 22000, "month")),
        ("expected salary 20k/month", (20000, 20000, "month")),
        ("年薪30万", (300000, 300000, "year")),
        ("期望薪资：30-40万/年", (300000, 400000, "year")),
        ("Expected salary: 15,000–18,000 RMB per month", (15000, 18000, "month")),
        ("期望薪资：1.5万/月", (15000, 15000, "month")),
        ("期望薪资：20000元", (20000, 20000, "month")),
        ("期望薪资：18-22", (18000, 22000, "month")),  # bare numbers: thousands
        ("Salary expectations: 250,000 annually", (250000, 250000, "year")),
        ("当前薪资：12K  期望薪资：16K", (16000, 16000, "month")),
        ("薪资面议", None),
        ("Expected salary: negotiable", None),
        ("期望薪资：可议", None),
        ("期望薪资：" + "9" * 400, None),  # a digit run, not a salary
    ],
)
def test_salary(line: str, expected: tuple[int, int, str] | None) -> None:
    got = parse_resume(f"Name: X\n{line}\n", today=TODAY).salary
    assert (None if got is None else (got.min, got.max, got.period)) == expected


def test_no_salary_line() -> None:
    assert parse_resume("Name: X\nSkills: Python\n", today=TODAY).salary is None


# --- contact, name, language ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("手机：13812345678", "13812345678"),
        ("Tel: +86-138-1234-5678", "13812345678"),
        ("Phone: +1 (415) 555-0123", "+14155550123"),
        ("+49 30 1234567", "+49301234567"),
        ("2021.03 - 2023.06 Acme Corp", None),  # dates are not a phone
    ],
)
def test_phone(text: str, phone: str | None) -> None:
    assert parse_resume(text, today=TODAY).phone == phone


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("张三\n电话：13812345678", "张三"),
        ("张 三\n", "张三"),
        ("个人简历\n李四 | 138 1234 5678", "李四"),
        ("姓名：王五  性别：男", "王五"),
        ("Name: John Smith Email: j@x.com", "John Smith"),
        ("Resume\nJane Doe\n", "Jane Doe"),
        ("Data Labeler\n", None),  # a job title, not a name
        ("Sam Lee\nProject name: Search Rater Tool", "Sam Lee"),
        ("工作经历\n2020-2021 某某公司", None),
        ("姓 名:周小川 性 别:男", "周小川"),  # labels spaced out to line up
        ("姓 名: 周小川  民 族:汉", "周小川"),
        ("\u2022 姓名:周小川\n\u2022 电话:13800000000", "周小川"),
        ("● Name: Ana Lima", "Ana Lima"),
        ("Name: LIN, MEIHUA\nPhone: 13800000000", "LIN, MEIHUA"),
        ("Name: Lin, Meihua | Email: m@x.com", "Lin, Meihua"),
        ("Name: John Smith, Email: j@x.com", "John Smith"),
        ("-1-\n周小川\n电话:13800000000", "周小川"),  # a page number above the name
        ("1/2\nAna Lima\n", "Ana Lima"),
        ("Page 1\nAna Lima\n", "Ana Lima"),
        ("Wei (Kevin) Zhou\nkevin@example.com", "Wei (Kevin) Zhou"),
    ],
)
def test_name(text: str, name: str | None) -> None:
    assert parse_resume(text, today=TODAY).name == name


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("张三\n精通Python、SQL和Excel，熟悉PyTorch", "zh"),
        ("Zhang San 张三\nProficient in Python and SQL, familiar with PyTorch", "en"),
        ("", "en"),
    ],
)
def test_language(text: str, language: str) -> None:
    assert parse_resume(text, today=TODAY).language == language
