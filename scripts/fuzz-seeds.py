#!/usr/bin/env python3
"""Writes the seed corpus of the SPOP fuzz targets (agent/src/test/resources/.../<Class>Inputs/<method>/).

The seeds are real frames: the ones HAProxy 2.6.12 and 3.x send (docs: /work/shared/spop-protocol.md, checked on
the wire), the ones the agent answers with, and the broken streams an agent meets (fragments, truncations, junk).
Each file is raw bytes, as Jazzer reads a byte[] seed. Rerun after editing; inputs a fuzz run found failing are
saved by Jazzer into the same directories under crash-<sha1> names and are kept as they are.
"""
import os
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "agent", "src", "test", "resources", "io",
                    "roomrouter")


def varint(v):
    """HAProxy's varint (intops.h encode_varint), unsigned 64-bit."""
    v &= (1 << 64) - 1
    if v < 240:
        return bytes([v])
    out = [(v | 0xF0) & 0xFF]
    v = (v - 240) >> 4
    while v >= 128:
        out.append((v | 0x80) & 0xFF)
        v = (v - 128) >> 7
    out.append(v)
    return bytes(out)


def s(text):
    """Untyped length-prefixed string (KV keys, message, argument and variable names)."""
    b = text if isinstance(text, bytes) else text.encode()
    return varint(len(b)) + b


# typed data (spop-protocol.md 1.3)
NULL = b"\x00"
TRUE = b"\x11"
FALSE = b"\x01"


def string(text):
    return b"\x08" + s(text)


def binary(data):
    return b"\x09" + varint(len(data)) + data


def int32(v):
    return b"\x02" + varint(v)


def uint32(v):
    return b"\x03" + varint(v)


def int64(v):
    return b"\x04" + varint(v)


def uint64(v):
    return b"\x05" + varint(v)


def ipv4(a, b, c, d):
    return b"\x06" + bytes([a, b, c, d])


def ipv6(hexdigits):
    return b"\x07" + bytes.fromhex(hexdigits)


def frame(ftype, payload, sid=0, fid=0, flags=1):
    body = bytes([ftype]) + struct.pack(">I", flags) + varint(sid) + varint(fid) + payload
    return struct.pack(">I", len(body)) + body


def kv(*pairs):
    return b"".join(s(k) + v for k, v in pairs)


def message(name, *args):
    return s(name) + bytes([len(args)]) + b"".join(s(n) + v for n, v in args)


def room_join(room=string("r42"), backend=string("be_game"), size=NULL, player=string("p7"), client=ipv4(10, 1, 2, 3),
              in_table=FALSE):
    # the reference room-router.spoe.conf: args room=urlp(room) backend=be_name size=urlp_val(size) player=urlp(player)
    # client=src in_table=urlp(room),in_table(be_game)
    return message("room-join", ("room", room), ("backend", backend), ("size", size), ("player", player),
                   ("client", client), ("in_table", in_table))


def set_var(name, value, scope=2):
    return bytes([1, 3, scope]) + s(name) + value


def unset_var(name, scope=2):
    return bytes([2, 2, scope]) + s(name)


HEALTHCHECK_HELLO = frame(1, kv(("supported-versions", string("2.0")), ("max-frame-size", uint32(16380)),
                                ("capabilities", string("")), ("healthcheck", TRUE)))
assert len(HEALTHCHECK_HELLO) == 82  # the fixed probe of option spop-check, 2.6.12 and 3.4.0
HELLO_26 = frame(1, kv(("supported-versions", string("2.0")), ("max-frame-size", uint32(16380)),
                       ("capabilities", string("pipelining,async")),
                       ("engine-id", string("5e4f3c2b-1a09-4876-9543-210fedcba987"))))
HELLO_34 = frame(1, kv(("supported-versions", string("2.0")), ("max-frame-size", uint32(16380)),
                       ("capabilities", string("pipelining")),
                       ("engine-id", string("0d9a3bc6-6f3e-4c55-a1a7-3c7e0e0a3a51"))))
NOTIFY_26 = frame(3, room_join(), sid=0, fid=1)  # 2.6: stream-id is the stream's uniq_id, from 0
NOTIFY_34 = frame(3, room_join(size=int64(4)), sid=1, fid=1)  # 3.1+: odd stream-ids, frame-id 1
HAPROXY_DISCONNECT = frame(2, kv(("status-code", uint32(0)), ("message", string("normal"))))
AGENT_HELLO = frame(101, kv(("version", string("2.0")), ("max-frame-size", uint32(16380)),
                            ("capabilities", string("pipelining"))))
ACK_PLACED = frame(103, set_var("server", string("game2")) + set_var("decision", string("placed"))
                   + set_var("reason", string("least-loaded")) + set_var("fallback", string("game3")), sid=1, fid=1)
AGENT_DISCONNECT = frame(102, kv(("status-code", uint32(2)), ("message", string("a timeout occurred"))))

AGENT_SIDE = {
    "hello-healthcheck": HEALTHCHECK_HELLO,
    "hello-2.6": HELLO_26,
    "hello-3.4": HELLO_34,
    "session-2.6": HELLO_26 + NOTIFY_26 + frame(3, room_join(), sid=0, fid=2) + frame(3, room_join(room=string("r43")), sid=3, fid=1) + HAPROXY_DISCONNECT,
    "session-3.4-pipelined": HELLO_34 + b"".join(frame(3, room_join(room=string("r%d" % n)), sid=n, fid=1) for n in (1, 3, 5, 7)),
    "notify-room-join": NOTIFY_26,
    "notify-room-join-size": NOTIFY_34,
    "notify-empty": frame(3, b"", sid=1, fid=1),
    "notify-every-type": frame(3, message("msg1", ("ip", ipv4(127, 0, 0, 1)), ("meth", string("GET")), ("bool", TRUE),
                                          ("neg", int64(-5)), ("hdrs", binary(b"\x00\x01\xfe\xff")), ("miss", NULL),
                                          ("", string("unnamed")))
                               + message("msg2", ("i32", int32(42)), ("u32", uint32(2**32 - 1)), ("u64", uint64(2**64 - 1)),
                                         ("ip6", ipv6("00000000000000000000000000000001")), ("status", int64(200))), sid=0, fid=1),
    "disconnect": HAPROXY_DISCONNECT,
    "disconnect-timeout": frame(2, kv(("status-code", uint32(2)), ("message", string("a timeout occurred")))),
    # broken streams
    "fragment-first-without-fin": frame(3, room_join()[:9], sid=1, fid=1, flags=0) + frame(3, room_join()[9:], sid=1, fid=1, flags=1),
    "truncated-notify": NOTIFY_26[:-5],
    "truncated-length": NOTIFY_26[:3],
    "junk-http-request": b"GET /ws?room=r42 HTTP/1.1\r\nHost: game\r\nUpgrade: websocket\r\n\r\n",
    "junk-length-below-7": bytes.fromhex("00000006030000000101"),
    "junk-unknown-type": frame(4, b"", sid=1, fid=1),
    "junk-agent-frame": AGENT_HELLO,
    "junk-hello-with-stream-id": frame(1, kv(("supported-versions", string("2.0")), ("max-frame-size", uint32(16380))), sid=1),
    "junk-hello-no-versions": frame(1, kv(("max-frame-size", uint32(16380)))),
    "junk-varint-11-bytes": frame(3, b"", sid=0, fid=1)[:9] + bytes.fromhex("ff" * 10 + "00") + b"\x01",
    "junk-string-longer-than-frame": frame(3, s("room-join")[:1] + b"room-jo", sid=1, fid=1),
    "junk-reserved-type": frame(3, message("m", ("a", b"\x0a")), sid=1, fid=1),
    "junk-after-good-frame": NOTIFY_26 + bytes.fromhex("00000007030000000003"),
    "hello-unknown-key": None,
}
AGENT_SIDE["hello-unknown-key"] = frame(1, kv(("supported-versions", string("2.0")), ("max-frame-size", uint32(16380)),
                                                  ("capabilities", string("pipelining")),
                                                  ("engine-id", string("0d9a3bc6-6f3e-4c55-a1a7-3c7e0e0a3a51")),
                                                  ("x-future", binary(b"\xca\xfe"))))

HAPROXY_SIDE = {
    "agent-hello": AGENT_HELLO,
    "ack-placed": ACK_PLACED,
    "ack-no-join": frame(103, unset_var("reason"), sid=3, fid=1),
    "ack-full": frame(103, set_var("decision", string("full")) + set_var("reason", string("no server can take a room of 10")), sid=5, fid=1),
    "ack-empty": frame(103, b"", sid=1, fid=1),
    "agent-disconnect": AGENT_DISCONNECT,
    "agent-disconnect-unknown-status": frame(102, kv(("status-code", uint32(257)), ("message", string("x" * 300)))),
    "session": AGENT_HELLO + ACK_PLACED + frame(103, set_var("server", string("game2")) + set_var("decision", string("sticky")), sid=3, fid=1) + AGENT_DISCONNECT,
    "junk-bad-scope": frame(103, bytes([1, 3, 9]) + s("server") + string("game1"), sid=1, fid=1),
    "junk-set-var-two-args": frame(103, bytes([1, 2, 2]) + s("server"), sid=1, fid=1),
    "junk-hello-no-capabilities": frame(101, kv(("version", string("2.0")), ("max-frame-size", uint32(16380)))),
    "junk-haproxy-frame": HELLO_26,
}

TYPED = {
    "null": NULL,
    "bool-true": TRUE,
    "bool-false": FALSE,
    "int32-42": int32(42),
    "uint32-max": uint32(2**32 - 1),
    "int64-minus-5": int64(-5),
    "uint64-max": uint64(2**64 - 1),
    "int64-239": int64(239),
    "int64-240": int64(240),
    "ipv4": ipv4(10, 0, 0, 11),
    "ipv6-mapped": ipv6("00000000000000000000ffff0a00000b"),
    "string-get": string("GET"),
    "string-utf8": string("pièce-☃"),
    "string-bad-utf8": b"\x08\x03\xc3\x28\xff",
    "string-empty": string(""),
    "binary": binary(b"\x00\x01\xfe\xff"),
    "string-flags": b"\x18" + s("GET"),
    "truncated-varint": b"\x04\xf0",
    "truncated-ipv6": b"\x07\x00\x01",
    "length-past-end": b"\x09\x10\x00",
    "reserved-type-10": b"\x0a",
    "reserved-type-15": b"\xff",
    "varint-11-bytes": b"\x05" + bytes.fromhex("ff" * 10 + "00"),
}

JOIN = {
    "room-join": room_join(),
    "room-join-size": room_join(size=int64(4)),
    "room-join-in-table": room_join(in_table=TRUE),
    "room-join-no-player": room_join(player=NULL),
    "room-join-uint32-size": room_join(size=uint32(8)),
    "room-join-after-other-message": message("other", ("a", string("b"))) + room_join(room=string("r7")),
    "two-room-joins": room_join() + room_join(room=string("r43"), player=NULL),
    "only-room-and-backend": message("room-join", ("room", string("lobby-1.a:b_c")), ("backend", string("be_game"))),
    "reject-room-space": room_join(room=string("r 42")),
    "reject-room-65": room_join(room=string("x" * 65)),
    "reject-room-utf8": room_join(room=string("pièce")),
    "reject-room-bad-utf8": room_join(room=b"\x08\x02\xc3\x28"),
    "reject-room-newline": room_join(room=string("r42\nlevel=ERROR forged")),
    "reject-room-binary": room_join(room=binary(b"r42")),
    "reject-room-null": room_join(room=NULL),
    "reject-missing-backend": message("room-join", ("room", string("r42"))),
    "reject-size-0": room_join(size=int64(0)),
    "reject-size-1001": room_join(size=int64(1001)),
    "reject-size-negative": room_join(size=int64(-5)),
    "reject-size-uint64-max": room_join(size=uint64(2**64 - 1)),
    "reject-size-string": room_join(size=string("10")),
    "reject-player-empty": room_join(player=string("")),
    "reject-player-ip": room_join(player=ipv4(127, 0, 0, 1)),
    "room-join-client-ipv6": room_join(client=ipv6("20010db8000000000000000000000001")),
    "room-join-client-string": room_join(client=string("edge-7f3a")),
    "room-join-client-binary": room_join(client=binary(b"\x0a\x01\x02\x03")),
    "room-join-no-client": room_join(client=NULL),
    "reject-client-empty": room_join(client=string("")),
    "reject-client-bool": room_join(client=TRUE),
    "reject-size-11": room_join(size=int64(11)),
    "repeated-room-first-counts": message("room-join", ("room", string("r1")), ("room", string("bad room")),
                                          ("backend", string("be_game"))),
    "junk-nb-args-past-end": s("room-join") + b"\x04" + s("room") + string("r42"),
}


def write(directory, seeds):
    path = os.path.join(ROOT, directory)
    os.makedirs(path, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)
    print("%3d seeds in %s" % (len(seeds), os.path.relpath(path)), file=sys.stderr)


write("spop/SpopFrameDecoderFuzzTestInputs/agentSide", AGENT_SIDE)
write("spop/SpopFrameDecoderFuzzTestInputs/haproxySide", HAPROXY_SIDE)
write("spop/TypedDataFuzzTestInputs/typedValue", TYPED)
write("agent/JoinMessageFuzzTestInputs/roomJoin", JOIN)
