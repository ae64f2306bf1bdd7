"""Just enough of the protobuf wire format to read the few messages inside Anki packages.

Anki lays them out in its `import_export.proto` (`PackageMetadata { Version version = 1 }`,
`MediaEntries { repeated MediaEntry entries = 1 }`, `MediaEntry { string name = 1; uint32
size = 2; bytes sha1 = 3; optional uint32 legacy_zip_filename = 255 }`) and `notetypes.proto`
(`Notetype.Config { Kind kind = 1 }`, `Notetype.Template.Config { string q_format = 1;
string a_format = 2 }`). This decoder reads any message as field number -> values.
"""

from __future__ import annotations

Fields = dict[int, list[int | bytes]]


class ProtobufError(ValueError):
    """The bytes are not a protobuf message."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ProtobufError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def decode(data: bytes) -> Fields:
    """Every field of one message: numbers to their values (ints, or bytes for length-
    delimited fields, which may be strings or nested messages)."""
    fields: Fields = {}
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == 0:
            value, pos = _varint(data, pos)
        elif wire == 2:
            size, pos = _varint(data, pos)
            if pos + size > len(data):
                raise ProtobufError("truncated field")
            value, pos = data[pos : pos + size], pos + size
        elif wire in (1, 5):
            width = 8 if wire == 1 else 4
            if pos + width > len(data):
                raise ProtobufError("truncated field")
            value, pos = int.from_bytes(data[pos : pos + width], "little"), pos + width
        else:
            raise ProtobufError(f"unsupported wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


def first_int(fields: Fields, number: int, default: int = 0) -> int:
    """The first integer value of a field."""
    for value in fields.get(number, []):
        if isinstance(value, int):
            return value
    return default


def first_text(fields: Fields, number: int) -> str:
    """The first string value of a field ("" if absent)."""
    for value in fields.get(number, []):
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
    return ""
