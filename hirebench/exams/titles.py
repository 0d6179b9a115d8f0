"""Titles of authored content in the reader's language: an exam's Chinese title, and the
Chinese half of text written "English · 中文" (sections, competencies, criteria)."""

from __future__ import annotations

import re

from flask_babel import get_locale

from hirebench.exams.definition import ExamDefinition
from hirebench.models import ExamVersion

# A CJK ideograph: the Chinese half of a bilingual title has one.
_CJK = re.compile(r"[\u3400-\u9fff]")


def is_chinese_reader() -> bool:
    locale = get_locale()
    return locale is not None and locale.language == "zh"


def exam_title(source: ExamVersion | ExamDefinition) -> str:
    """An exam version's title in the reader's language: its Chinese title, when the exam has
    one, for a Chinese reader."""
    if isinstance(source, ExamVersion):
        title, title_zh = source.definition.get("title", ""), source.definition.get("title_zh")
    else:
        title, title_zh = source.title, source.title_zh
    if title_zh and is_chinese_reader():
        return str(title_zh)
    return str(title or (source.exam.title if isinstance(source, ExamVersion) else ""))


def bilingual(text: str) -> str:
    """Authored text written "English · 中文" (section, competency and criterion titles), shown
    as its Chinese half to a Chinese reader; anything else as it is."""
    english, sep, chinese = text.rpartition(" · ")
    if sep and english and is_chinese_reader() and _CJK.search(chinese):
        return chinese
    return text
