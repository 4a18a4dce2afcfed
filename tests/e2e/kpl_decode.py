"""Decoder of the KPL aggregated record format, of our own (Python standard library only).

An aggregated Kinesis record is

    F3 89 9A C2 | protobuf AggregatedRecord | MD5 of the protobuf bytes (16 bytes)

    message AggregatedRecord {
      repeated string partition_key_table     = 1;
      repeated string explicit_hash_key_table = 2;
      repeated Record records                 = 3;
    }
    message Record {
      required uint64 partition_key_index     = 1;
      optional uint64 explicit_hash_key_index = 2;
      required bytes  data                    = 3;
      repeated Tag    tags                    = 4;
    }
    message Tag { required string key = 1; optional string value = 2; }

(proto2). decode(blob) returns [(partition_key, explicit_hash_key or None, data bytes), ...], or
None when the blob does not start with the magic (a plain record); it raises ValueError naming
the reason when the MD5 does not match or the protobuf is malformed.

    python3 tests/e2e/kpl_decode.py FILE...     # prints each user record of each file
"""

import hashlib
import sys

MAGIC = b"\xf3\x89\x9a\xc2"
MD5_LEN = 16

WIRE_VARINT = 0
WIRE_FIXED64 = 1
WIRE_LEN = 2
WIRE_FIXED32 = 5


def read_varint(buf, pos, end):
    """The varint at buf[pos:end] -> (value, new pos); at most 10 bytes (64 bits)."""
    value = 0
    shift = 0
    for i in range(10):
        if pos >= end:
            raise ValueError("truncated varint at byte %d" % pos)
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            if value >= 1 << 64:
                raise ValueError("varint larger than 64 bits ending at byte %d" % pos)
            return value, pos
        shift += 7
    raise ValueError("varint longer than 10 bytes ending at byte %d" % pos)


def fields(buf, start, end):
    """Yields (field number, wire type, value) over buf[start:end]: an int for varints and
    fixed-width fields, a (start, end) slice for length-delimited ones."""
    pos = start
    while pos < end:
        key, pos = read_varint(buf, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise ValueError("field number 0 at byte %d" % pos)
        if wire == WIRE_VARINT:
            value, pos = read_varint(buf, pos, end)
        elif wire == WIRE_LEN:
            length, pos = read_varint(buf, pos, end)
            if length > end - pos:
                raise ValueError("field %d: length %d runs past the end (byte %d of %d)"
                                 % (number, length, pos, end))
            value = (pos, pos + length)
            pos += length
        elif wire == WIRE_FIXED64:
            if end - pos < 8:
                raise ValueError("field %d: truncated fixed64" % number)
            value = int.from_bytes(buf[pos:pos + 8], "little")
            pos += 8
        elif wire == WIRE_FIXED32:
            if end - pos < 4:
                raise ValueError("field %d: truncated fixed32" % number)
            value = int.from_bytes(buf[pos:pos + 4], "little")
            pos += 4
        else:
            raise ValueError("field %d: unsupported wire type %d" % (number, wire))
        yield number, wire, value


def _string(buf, span, what):
    try:
        return bytes(buf[span[0]:span[1]]).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError("%s is not UTF-8: %s" % (what, e)) from None


def _expect(wire, want, what):
    if wire != want:
        raise ValueError("%s has wire type %d, expected %d" % (what, wire, want))


def _record(buf, span):
    pk_index = ehk_index = data = None
    for number, wire, value in fields(buf, span[0], span[1]):
        if number == 1:
            _expect(wire, WIRE_VARINT, "Record.partition_key_index")
            pk_index = value
        elif number == 2:
            _expect(wire, WIRE_VARINT, "Record.explicit_hash_key_index")
            ehk_index = value
        elif number == 3:
            _expect(wire, WIRE_LEN, "Record.data")
            data = bytes(buf[value[0]:value[1]])
        elif number == 4:
            _expect(wire, WIRE_LEN, "Record.tags")
            # Tag {key = 1, value = 2}: checked for shape, not returned.
            for n, w, v in fields(buf, value[0], value[1]):
                if n in (1, 2):
                    _expect(w, WIRE_LEN, "Tag field %d" % n)
        # Unknown fields are skipped, as protobuf readers do.
    if pk_index is None:
        raise ValueError("Record without partition_key_index (required)")
    if data is None:
        raise ValueError("Record without data (required)")
    return pk_index, ehk_index, data


def decode(blob):
    """[(partition_key, explicit_hash_key or None, data), ...] of an aggregated record; None if
    `blob` is not one (no magic). ValueError with the reason on a bad MD5 or bad protobuf."""
    blob = bytes(blob)
    if not blob.startswith(MAGIC):
        return None
    if len(blob) < len(MAGIC) + MD5_LEN:
        raise ValueError("aggregated record too short for its MD5 trailer (%d bytes)" % len(blob))
    body = blob[len(MAGIC):-MD5_LEN]
    digest = blob[-MD5_LEN:]
    if hashlib.md5(body).digest() != digest:
        raise ValueError("MD5 mismatch: trailer %s, protobuf hashes to %s"
                         % (digest.hex(), hashlib.md5(body).hexdigest()))
    pk_table, ehk_table, records = [], [], []
    for number, wire, value in fields(body, 0, len(body)):
        if number == 1:
            _expect(wire, WIRE_LEN, "partition_key_table")
            pk_table.append(_string(body, value, "partition key"))
        elif number == 2:
            _expect(wire, WIRE_LEN, "explicit_hash_key_table")
            ehk_table.append(_string(body, value, "explicit hash key"))
        elif number == 3:
            _expect(wire, WIRE_LEN, "records")
            records.append(_record(body, value))
    out = []
    for i, (pk_index, ehk_index, data) in enumerate(records):
        if pk_index >= len(pk_table):
            raise ValueError("record %d: partition_key_index %d outside a table of %d"
                             % (i, pk_index, len(pk_table)))
        ehk = None
        if ehk_index is not None:
            if ehk_index >= len(ehk_table):
                raise ValueError("record %d: explicit_hash_key_index %d outside a table of %d"
                                 % (i, ehk_index, len(ehk_table)))
            ehk = ehk_table[ehk_index]
        out.append((pk_table[pk_index], ehk, data))
    return out


def is_aggregated(blob):
    return bytes(blob[:4]) == MAGIC


def main(argv):
    for path in argv:
        with open(path, "rb") as f:
            records = decode(f.read())
        if records is None:
            print("%s: not aggregated" % path)
            continue
        for pk, ehk, data in records:
            print("%s\t%s\t%r" % (pk, ehk, data))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
