"""Screening tests. Inline resumes whose fields are unambiguous, and where the evaluation
set and the demo profile live; the service, CLI and web tests share them."""

import re

from hirebench.paths import PROJECT_ROOT

PROFILE = PROJECT_ROOT / "exams" / "jobs" / "ai-trainer-ecommerce.yaml"
CORPUS = PROJECT_ROOT / "bench" / "resumes" / "corpus"
BAD = CORPUS / "bad"
LINK_RE = re.compile(r"http://hirebench\.test/invite/(\S+)")

# Inline resumes whose fields are unambiguous. Against the demo profile (python >= proficient,
# data annotation >= 1 year, ML basics >= familiar, data cleaning >= familiar, budget up to
# 22,000 a month): STRONG meets everything, PARTIAL half, WEAK little, OVER everything but the
# budget.
STRONG = """Alice Strong
Email: alice.strong@example.com
Phone: 13800000001
Expected salary: 18k-20k/month

SKILLS
- Python: expert, 5 years
- Data annotation: 3 years
- Machine learning: proficient
- Data cleaning: proficient
"""
PARTIAL = """Carol Partial
Email: carol.partial@example.com
Phone: 13800000004
Expected salary: 16k-18k/month

SKILLS
- Python: proficient, 2 years
- Data annotation: 2 years
"""
WEAK = """Bob Weak
Email: bob.weak@example.com
Phone: 13800000002
Expected salary: 15k-16k/month

SKILLS
- Python: familiar
"""
OVER = """张三
邮箱：zhang.san@example.com
电话：13800000003
期望月薪30-35K

专业技能
- 精通Python，5年经验
- 数据标注 3年
- 熟悉机器学习
- 熟练数据清洗
"""
