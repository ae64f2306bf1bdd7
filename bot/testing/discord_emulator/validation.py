"""Discord's size limits on what a bot sends, so a bot that breaks them fails here too.

Real Discord answers 400 "Invalid Form Body" (code 50035) for these; without the checks a bot
could pass every test and still fail in production on an overlong LLM answer.
"""

from __future__ import annotations

from typing import Any

from .answers import ApiError
from .form_errors import field_error

Json = dict[str, Any]

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
FIELD_LIMITS = {"name": 256, "value": 1024}
FIELDS_MAX = 25
FOOTER_MAX = 2048
AUTHOR_NAME_MAX = 256
ROWS_MAX = 5
ROW_ITEMS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
MODAL_TITLE_MAX = 45
TEXT_INPUT_MAX = 4000
CHOICES_MAX = 25


def _invalid(path: str, why: str) -> ApiError:
    """Discord's 400 "Invalid Form Body" for the field at dotted ``path``."""
    if why.startswith("This field is required"):
        code = "BASE_TYPE_REQUIRED"
    elif why.startswith("Must be between"):
        code = "BASE_TYPE_BAD_LENGTH"
    else:
        code = "BASE_TYPE_MAX_LENGTH"
    return field_error(path.split("."), code, why)


def validate_message(body: Json, *, files: int, creating: bool) -> None:
    """Raise ApiError (400) when ``body`` breaks Discord's message limits."""
    content = body.get("content")
    if content is not None and len(str(content)) > CONTENT_MAX:
        raise _invalid("content", f"Must be {CONTENT_MAX} or fewer in length.")
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        raise _invalid("embeds", f"Must be {EMBEDS_MAX} or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        total += _validate_embed(embed, f"embeds.{i}")
    if total > EMBED_TOTAL_MAX:
        raise _invalid("embeds", f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}")
    components = body.get("components") or []
    if _is_legacy(components):
        _validate_rows(components)
    empty = not content and not embeds and not components and not files
    if creating and empty and not body.get("sticker_ids") and not body.get("poll"):
        raise ApiError(400, 50006, "Cannot send an empty message")


def _validate_embed(embed: Json, path: str) -> int:
    size = 0
    for key, limit in EMBED_LIMITS.items():
        text = str(embed.get(key) or "")
        if len(text) > limit:
            raise _invalid(f"{path}.{key}", f"Must be {limit} or fewer in length.")
        size += len(text)
    fields = embed.get("fields") or []
    if len(fields) > FIELDS_MAX:
        raise _invalid(f"{path}.fields", f"Must be {FIELDS_MAX} or fewer in length.")
    for j, field in enumerate(fields):
        for key, limit in FIELD_LIMITS.items():
            text = str(field.get(key) or "")
            if not text:
                raise _invalid(f"{path}.fields.{j}.{key}", "This field is required")
            if len(text) > limit:
                raise _invalid(f"{path}.fields.{j}.{key}", f"Must be {limit} or fewer in length.")
            size += len(text)
    footer = str((embed.get("footer") or {}).get("text") or "")
    author = str((embed.get("author") or {}).get("name") or "")
    if len(footer) > FOOTER_MAX:
        raise _invalid(f"{path}.footer.text", f"Must be {FOOTER_MAX} or fewer in length.")
    if len(author) > AUTHOR_NAME_MAX:
        raise _invalid(f"{path}.author.name", f"Must be {AUTHOR_NAME_MAX} or fewer in length.")
    return size + len(footer) + len(author)


def _is_legacy(components: list[Json]) -> bool:
    return all(c.get("type") == 1 for c in components)


def _validate_rows(rows: list[Json]) -> None:
    if len(rows) > ROWS_MAX:
        raise _invalid("components", f"Must be {ROWS_MAX} or fewer in length.")
    for i, row in enumerate(rows):
        items = row.get("components") or []
        if not items or len(items) > ROW_ITEMS_MAX:
            raise _invalid(f"components.{i}.components", "Must be between 1 and 5 in length.")
        for j, item in enumerate(items):
            _validate_item(item, f"components.{i}.components.{j}")


def _validate_item(item: Json, path: str) -> None:
    custom_id = item.get("custom_id")
    if custom_id is not None and not 1 <= len(str(custom_id)) <= CUSTOM_ID_MAX:
        raise _invalid(f"{path}.custom_id", f"Must be between 1 and {CUSTOM_ID_MAX} in length.")
    if item.get("type") == 2:
        if len(str(item.get("label") or "")) > BUTTON_LABEL_MAX:
            raise _invalid(f"{path}.label", f"Must be {BUTTON_LABEL_MAX} or fewer in length.")
        if custom_id is None and not item.get("url") and not item.get("sku_id"):
            raise _invalid(f"{path}.custom_id", "A custom id or url is required")
    options = item.get("options")
    if options is not None and not 1 <= len(options) <= SELECT_OPTIONS_MAX:
        raise _invalid(f"{path}.options", f"Must be between 1 and {SELECT_OPTIONS_MAX} in length.")


def validate_modal(data: Json) -> None:
    """Raise ApiError (400) when a modal breaks Discord's limits."""
    if not 1 <= len(str(data.get("title") or "")) <= MODAL_TITLE_MAX:
        raise _invalid("data.title", f"Must be between 1 and {MODAL_TITLE_MAX} in length.")
    if not 1 <= len(str(data.get("custom_id") or "")) <= CUSTOM_ID_MAX:
        raise _invalid("data.custom_id", f"Must be between 1 and {CUSTOM_ID_MAX} in length.")
    components = data.get("components") or []
    if not 1 <= len(components) <= ROWS_MAX:
        raise _invalid("data.components", f"Must be between 1 and {ROWS_MAX} in length.")
    for i, component in enumerate(components):
        inner = component.get("components") or [component.get("component") or {}]
        for item in inner:
            if item.get("type") == 4 and int(item.get("max_length") or 0) > TEXT_INPUT_MAX:
                raise _invalid(f"data.components.{i}", f"max_length above {TEXT_INPUT_MAX}")


def validate_choices(data: Json) -> None:
    """Raise ApiError (400) when autocomplete choices break Discord's limits."""
    choices = data.get("choices") or []
    if len(choices) > CHOICES_MAX:
        raise _invalid("data.choices", f"Must be {CHOICES_MAX} or fewer in length.")
    for i, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name") or "")) <= 100:
            raise _invalid(f"data.choices.{i}.name", "Must be between 1 and 100 in length.")
