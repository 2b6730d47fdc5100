"""A content file's data walked by its schema: which values are prose, which may never change.

A translated file is a full copy of the English one in which only prose is translated. Which
values are prose is said by the schema (``schema.Prose``), so the comparison check and the
pseudo translation walk the English file's data *beside its pydantic model*: a union such as
``TextOrStatements`` is resolved by the English value's own shape (a string or a list of
statements), and every field's type, alias and mark come from the model.
"""
from __future__ import annotations

import re
import types
from collections import Counter
from typing import Annotated, Any, Callable, Iterator, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from .schema import _ProseMark

Problem = tuple[str, str]  # (field path, what is wrong)

# Numbers are written in Western digits in every language (they read left to right, also in
# Arabic). The digit runs are compared, so 1.5 and the Polish 1,5 (or 17,000 and 17 000) agree.
WESTERN_NUMBER = re.compile(r"[0-9]+")


def _unwrap(tp: Any) -> tuple[Any, bool]:
    """The type under any ``Annotated`` layers, and whether one of them marks prose."""
    prose = False
    while get_origin(tp) is Annotated:
        base, *metadata = get_args(tp)
        prose = prose or any(isinstance(item, _ProseMark) for item in metadata)
        tp = base
    return tp, prose


def _fits(tp: Any, value: Any) -> bool:
    """Whether ``value`` (as read from YAML) has the shape of ``tp``; used to pick a union's branch."""
    tp, _ = _unwrap(tp)
    origin = get_origin(tp)
    if tp is type(None):
        return value is None
    if origin in (Union, types.UnionType):
        return any(_fits(branch, value) for branch in get_args(tp))
    if origin is list:
        return isinstance(value, list) and (not value or _fits(get_args(tp)[0], value[0]))
    if origin is dict or (isinstance(tp, type) and issubclass(tp, BaseModel)):
        return isinstance(value, dict)
    if origin is Literal:
        return value in get_args(tp)
    if tp is bool:
        return isinstance(value, bool)
    if isinstance(tp, type):
        return isinstance(value, tp) and not (isinstance(value, bool) and tp is not bool)
    return True


def resolve(tp: Any, value: Any) -> tuple[Any, bool]:
    """The concrete type ``value`` is read as, and whether it is prose."""
    prose = False
    while True:
        tp, marked = _unwrap(tp)
        prose = prose or marked
        if get_origin(tp) not in (Union, types.UnionType):
            return tp, prose
        branches = get_args(tp)
        tp = next((branch for branch in branches if _fits(branch, value)), branches[0])


def field_type(field: FieldInfo) -> Any:
    """A model field's full type: pydantic keeps a top-level ``Annotated``'s marks apart."""
    return Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation


def fields_by_key(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """The model's fields under the keys a YAML file uses (an alias such as ``is`` for ``is_``)."""
    return {field.alias or name: field for name, field in model.model_fields.items()}


def _join(where: str, key: Any) -> str:
    return f"{where}.{key}" if where else str(key)


def numbers(text: str) -> Counter:
    """The digit runs of ``text`` as a multiset."""
    return Counter(WESTERN_NUMBER.findall(text))


def _prose_problems(english: str, translated: Any, where: str) -> Iterator[Problem]:
    if not isinstance(translated, str):
        yield where, "must be translated text (a string), like the English"
        return
    if not translated.strip():
        yield where, "is empty: translate the English text"
        return
    other_digits = sorted({ch for ch in translated if ch.isdecimal() and ch not in "0123456789"})
    if other_digits:
        yield where, f"uses the digits {''.join(other_digits)}: write numbers in Western digits 0-9"
    missing = numbers(english) - numbers(translated)
    extra = numbers(translated) - numbers(english)
    if missing or extra:
        said = [f"missing {', '.join(sorted(missing.elements()))}" if missing else "",
                f"not in the English {', '.join(sorted(extra.elements()))}" if extra else ""]
        yield where, ("the numbers differ from the English text's (" + "; ".join(s for s in said if s)
                      + "): every number of the English must appear, and no other")


def _mapping_problems(english: dict, translated: Any, where: str,
                      type_of: Callable[[Any], Any]) -> Iterator[Problem]:
    if not isinstance(translated, dict):
        yield where or "(top level)", "must be a mapping of keys, like the English"
        return
    missing = [key for key in english if key not in translated]
    extra = [key for key in translated if key not in english]
    for key in missing:
        yield _join(where, key), "is missing (the English file has it)"
    for key in extra:
        yield _join(where, key), "is not in the English file (keys are never translated)"
    if not missing and not extra and list(english) != list(translated):
        yield where or "(top level)", (f"keys in another order than the English: {list(translated)} "
                                       f"instead of {list(english)}")
    for key, value in english.items():
        if key in translated:
            yield from differences(type_of(key), value, translated[key], _join(where, key))


def differences(tp: Any, english: Any, translated: Any, where: str = "") -> Iterator[Problem]:
    """Every way ``translated`` is not a faithful copy of ``english`` read as type ``tp``.

    The same keys in the same order, lists of the same length, every value that is not prose
    identical (ids, enum-like tokens, certainty, numbers, dates, booleans, reference ids, file
    names), and every prose string non-empty with the English text's numbers.
    """
    tp, prose = resolve(tp, english)
    if prose and isinstance(english, str):
        yield from _prose_problems(english, translated, where)
        return
    origin = get_origin(tp)
    if isinstance(english, dict) and isinstance(tp, type) and issubclass(tp, BaseModel):
        fields = fields_by_key(tp)
        yield from _mapping_problems(english, translated, where,
                                     lambda key: field_type(fields[key]) if key in fields else Any)
    elif isinstance(english, dict) and origin is dict:
        value_type = get_args(tp)[1]
        yield from _mapping_problems(english, translated, where, lambda key: value_type)
    elif isinstance(english, list) and origin is list:
        if not isinstance(translated, list):
            yield where, "must be a list, like the English"
        elif len(translated) != len(english):
            yield where, f"has {len(translated)} items but the English has {len(english)}: same items, same order"
        else:
            item_type = get_args(tp)[0]
            for index, (before, after) in enumerate(zip(english, translated)):
                yield from differences(item_type, before, after, _join(where, index))
    elif type(english) is not type(translated) or english != translated:
        yield where, (f"must be the same as in the English file ({english!r}), not {translated!r}: "
                      f"only prose is translated")


def map_prose(tp: Any, value: Any, change: Callable[[str], str]) -> Any:
    """A copy of ``value`` with ``change`` applied to every prose string (for the pseudo translation)."""
    tp, prose = resolve(tp, value)
    if prose and isinstance(value, str):
        return change(value)
    origin = get_origin(tp)
    if isinstance(value, dict) and isinstance(tp, type) and issubclass(tp, BaseModel):
        fields = fields_by_key(tp)
        return {key: map_prose(field_type(fields[key]), item, change) if key in fields else item
                for key, item in value.items()}
    if isinstance(value, dict) and origin is dict:
        return {key: map_prose(get_args(tp)[1], item, change) for key, item in value.items()}
    if isinstance(value, list) and origin is list:
        return [map_prose(get_args(tp)[0], item, change) for item in value]
    return value
