"""Labels for people: one table of every user-facing string, in English and Chinese.

The table is the union of the TOML files in this folder (one file per concern,
``core.toml``, ``tiers.toml``...). Each entry is keyed by a stable English id
``"<section>.<id>"`` and has an ``en`` and a ``zh`` text::

    [tier.loyal]
    en = "Loyal"
    zh = "忠诚客户"

Examples
--------
>>> label("tier.loyal", "zh")
'忠诚客户'
>>> label("tier.loyal")
'Loyal'
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

__all__ = ["LANGS", "label", "labels", "all_labels", "check_lang", "lang_from_query"]

LANGS = ("en", "zh")
_DIR = Path(__file__).resolve().parent


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is supported.

    Raises
    ------
    ValueError
        If ``lang`` is not ``"en"`` or ``"zh"``.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    return lang


def lang_from_query(default: str = "en", query: str | None = None) -> str:
    """Return the ``lang`` of a served explorer's URL (``...?lang=zh``), else ``default``.

    Voilà passes the page's query string to the kernel as the environment variable
    ``QUERY_STRING``; JupyterLab, papermill and nbval set none, so there the notebook's
    own ``lang`` parameter stays.

    Parameters
    ----------
    default : {"en", "zh"}
        The notebook's ``lang`` parameter.
    query : str, optional
        A query string to read instead of ``QUERY_STRING`` (for tests).

    Returns
    -------
    str
        ``"en"`` or ``"zh"``.

    Raises
    ------
    ValueError
        If the URL asks for a language the labels do not have.

    Examples
    --------
    >>> lang_from_query("en", "lang=zh&x=1")
    'zh'
    >>> lang_from_query("zh", "")
    'zh'
    """
    import os
    from urllib.parse import parse_qs

    qs = os.environ.get("QUERY_STRING", "") if query is None else query
    asked = parse_qs(qs).get("lang", [default])[-1]
    return check_lang(asked)


def _flatten(prefix: str, node: dict, out: dict[str, dict[str, str]], origin: str) -> None:
    if "en" in node and isinstance(node["en"], str):
        if prefix in out:
            raise ValueError(f"label {prefix!r} is defined twice (again in {origin})")
        out[prefix] = {k: v for k, v in node.items() if isinstance(v, str)}
        return
    for key, value in node.items():
        if isinstance(value, dict):
            _flatten(f"{prefix}.{key}" if prefix else key, value, out, origin)


@lru_cache(maxsize=1)
def all_labels() -> dict[str, dict[str, str]]:
    """Return the whole label table, ``{key: {"en": ..., "zh": ...}}``.

    Raises
    ------
    ValueError
        If a key is defined twice or lacks one of the languages.
    """
    out: dict[str, dict[str, str]] = {}
    for path in sorted(_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            _flatten("", tomllib.load(fh), out, path.name)
    for key, texts in out.items():
        missing = [lg for lg in LANGS if not texts.get(lg)]
        if missing:
            raise ValueError(f"label {key!r} has no {', '.join(missing)} text; add it")
    return out


def label(key: str, lang: str = "en", **fmt: object) -> str:
    """Return the text of label ``key`` in ``lang``, formatted with ``fmt``.

    Parameters
    ----------
    key : str
        Label id, ``"section.id"``.
    lang : {"en", "zh"}
        Language.
    **fmt
        Values for ``str.format`` placeholders in the text.

    Returns
    -------
    str
        The text.

    Raises
    ------
    KeyError
        If no label has that key.
    """
    check_lang(lang)
    try:
        text = all_labels()[key][lang]
    except KeyError:
        raise KeyError(f"no label {key!r}; add it to a TOML file in workbench/labels/") from None
    return text.format(**fmt) if fmt else text


def labels(section: str, lang: str = "en") -> dict[str, str]:
    """Return ``{id: text}`` for every label in ``section``.

    Examples
    --------
    >>> labels("abc", "zh")["A"]
    '关键客户'
    """
    check_lang(lang)
    prefix = section + "."
    return {k[len(prefix) :]: v[lang] for k, v in all_labels().items() if k.startswith(prefix)}
