"""Personal identifiers: validation by format, date and check digit, and masking.

Resident ID numbers (GB 11643) are checked for format, a real birth date not in the future and
the check digit, not for the history of area codes: a citizen's code is the one in force when
their first ID was issued, which may postdate their birth (python-stdnum's validate() refuses
those, so it is not used). Unified social credit codes (GB 32100) use stdnum's check.
"""

from __future__ import annotations

import datetime as dt
import re

# python-stdnum is imported where it is used: its utilities pull in pydoc (about 6 ms of a cold
# start that most requests, which check no identifier, would pay for nothing).

_RESIDENT_ID = re.compile(r"^[1-9][0-9]{16}[0-9X]$")  # ASCII digits: \d also takes other scripts'


def normalise_resident_id(number: str) -> str | None:
    """The 18-character number with an upper-case X, or None when it is not valid."""
    from stdnum.cn import ric
    from stdnum.exceptions import ValidationError

    number = number.strip().upper()
    if not _RESIDENT_ID.match(number) or ric.calc_check_digit(number) != number[-1]:
        return None
    try:
        born = ric.get_birth_date(number)
    except ValidationError:
        return None
    if not dt.date(1880, 1, 1) <= born <= dt.date.today():
        return None
    return number


def normalise_uscc(code: str) -> str | None:
    from stdnum.cn import uscc
    from stdnum.exceptions import ValidationError

    code = code.strip().upper()
    if not code.isascii():  # stdnum would take other scripts' digits
        return None
    try:
        return str(uscc.validate(code))
    except ValidationError:
        return None


def mask_number(number: str) -> str:
    """First 6 and last 4 characters with 8 asterisks between: 330502********1234."""
    return f"{number[:6]}{'*' * 8}{number[-4:]}"


def mask_name(name: str) -> str:
    """The surname followed by asterisks: 王** for 王小明, 欧阳* for 欧阳修 (two-character
    compound surnames are recognised from the common list)."""
    surname_length = 2 if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES else 1
    return name[:surname_length] + "*" * max(len(name) - surname_length, 1)


COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "上官",
        "诸葛",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "令狐",
        "钟离",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "百里",
        "呼延",
        "万俟",
        "单于",
        "闻人",
        "澹台",
        "公冶",
        "太史",
        "申屠",
        "赫连",
        "东郭",
        "司空",
    ]
)
