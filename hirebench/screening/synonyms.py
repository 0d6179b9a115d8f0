"""Surface forms the resume parser looks for: skill names in Chinese and English mapped to
the job profile's skill tags, and proficiency words mapped to the profile's level ladder
(hirebench.jobs.profile.SKILL_LEVELS).

Matching rules (hirebench.screening.parse): forms are case-insensitive; a form that starts or
ends with a Latin letter or digit only matches as a whole word there, so "py" does not match
inside "happy" and "ML" not inside "HTML"; a space in a form also matches a hyphen or no
space ("data-cleaning", "dataannotation"). Chinese forms match anywhere.
"""

from __future__ import annotations

SKILL_SYNONYMS: dict[str, tuple[str, ...]] = {
    "python": ("Python", "python3", "py"),
    "data-annotation": (
        "数据标注",
        "标注",
        "打标",
        "data annotation",
        "data labeling",
        "data labelling",
        "annotation",
        "labeling",
        "labelling",
    ),
    # Deep learning is its own tag: knowing it says little about the basics the profile asks.
    "ml-basics": (
        "机器学习基础",
        "机器学习",
        "machine learning basics",
        "machine learning fundamentals",
        "machine learning",
        "ML basics",
        "ML fundamentals",
        "ML",
        "scikit-learn",
        "sklearn",
    ),
    "deep-learning": ("深度学习", "deep learning", "神经网络", "neural network", "neural networks"),
    # "TF" alone is too ambiguous to count.
    "tensorflow": ("TensorFlow",),
    "pytorch": ("PyTorch", "torch"),
    "data-cleaning": (
        "数据清洗",
        "数据清理",
        "数据预处理",
        "data cleaning",
        "data cleansing",
        "data wrangling",
        "data preprocessing",
    ),
    "sql": ("SQL", "MySQL", "PostgreSQL", "Hive SQL", "HiveSQL", "SQLite"),
    "pandas": ("pandas",),
    "nlp": ("自然语言处理", "NLP", "natural language processing"),
    "computer-vision": ("计算机视觉", "computer vision", "CV"),
    "excel": ("Excel", "EXCEL"),
    "prompt-engineering": (
        "提示词工程",
        "提示词",
        "提示工程",
        "prompt 工程",  # a space matches with or without one: "Prompt工程", "Prompt 工程"
        "prompt engineering",
        "prompt design",
        "prompt writing",
    ),
    "llm": ("大语言模型", "大模型", "LLM", "LLMs", "large language model", "large language models"),
}

# Forms matched with their case: "ML" and "CV" lower-cased are other words (millilitres,
# a resume), and lower-case "excel" is usually the verb.
CASE_SENSITIVE: frozenset[str] = frozenset({"ML", "CV", "Excel", "EXCEL"})

# Proficiency words, longest first within a language so "熟练掌握" wins over "熟练" and "掌握"
# (the parser also sorts by length, this order is for readers). English words match whole
# words only, so "familiar" never matches inside "unfamiliar".
LEVEL_WORDS: tuple[tuple[str, str], ...] = (
    ("精通", "expert"),
    ("专家", "expert"),
    ("expert", "expert"),
    ("熟练掌握", "proficient"),
    ("熟练运用", "proficient"),
    ("熟练使用", "proficient"),
    ("熟练", "proficient"),
    ("擅长", "proficient"),
    ("掌握", "proficient"),
    ("proficient", "proficient"),
    ("advanced", "proficient"),
    ("skilled", "proficient"),
    ("fluent", "proficient"),
    ("strong", "proficient"),
    ("熟悉", "familiar"),
    ("familiar", "familiar"),
    ("intermediate", "familiar"),
    ("working knowledge", "familiar"),
    ("了解", "basic"),
    ("基础", "basic"),
    ("入门", "basic"),
    ("初级", "basic"),
    ("basic", "basic"),
    ("basics", "basic"),
    ("beginner", "basic"),
    ("novice", "basic"),
    ("elementary", "basic"),
)

# Words that deny a skill: "unfamiliar with TensorFlow" / "不熟悉Java" claim nothing. Each
# contains a level word, so they must be tried before LEVEL_WORDS (the parser does).
NEGATIONS: tuple[str, ...] = (
    "unfamiliar",
    "not familiar",
    "no experience",
    "不熟悉",
    "不了解",
    "不会",
    "不懂",
)

# Chinese level words that follow the skill ("Python基础", "机器学习入门"); the other Chinese
# words are verbs that come before it ("精通Python").
POSTFIX_LEVEL_WORDS: frozenset[str] = frozenset({"基础", "入门", "初级"})
