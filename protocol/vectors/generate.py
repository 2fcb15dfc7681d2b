#!/usr/bin/python3
"""Writes Tincan's test vectors (tincan-v1.json) from the independent Python implementation in
reference.py, with deterministic randomness (Drbg), so the TypeScript code fed the same stream must
produce the same bytes.

Run with Debian's python3 (python3-nacl, python3-cryptography):
    /usr/bin/python3 protocol/vectors/generate.py                # rewrites protocol/vectors/tincan-v1.json
    /usr/bin/python3 protocol/vectors/generate.py --out FILE     # writes elsewhere (CI compares)
It never calls Node. Vectors are checked in; tests only read them.
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # keep protocol/vectors free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import *  # noqa: E402,F401,F403  (the constructions of SPEC section 5)
import nacl.pwhash  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


# --- vector cases ----------------------------------------------------------------------------
H = lambda b: b.hex()
RELAYS = ["https://relay-one.example/chat", "http://127.0.0.1:8080"]
EXPIRES_MS = 1767225600123
FIRST = encode_payload(bytes(range(16)), 1, bytes(32), 1767225000000, "hello", b"bob")


def setup(seed, relays, index):
    rng = Drbg(seed.encode())
    alice, bob = Identity(rng), Identity(rng)
    inv, pre_sk = create_invite(rng, alice, relays, EXPIRES_MS, "alice")
    b, msgs, psk, _ = start_join(rng, inv, bob, FIRST)
    a, peer, first, ek = accept_join(rng, inv, pre_sk, alice, msgs[index], index)
    return rng, alice, bob, inv, pre_sk, a, b, msgs, psk, peer, first, ek


def handshake_case():
    seed = "handshake"
    rng = Drbg(seed.encode())
    alice, bob = Identity(rng), Identity(rng)
    inv, pre_sk = create_invite(rng, alice, RELAYS, EXPIRES_MS, "alice")
    b, msgs, psk, bseed = start_join(rng, inv, bob, FIRST)
    a, peer, first, ek = accept_join(rng, inv, pre_sk, alice, msgs[1], 1)
    assert peer == bob.public() and first == FIRST
    assert sas(a) == sas(b)
    rejects = []
    for data, idx, why in [(msgs[0], 1, "copy for location 0 presented at location 1"),
                           (msgs[1][:-1] + bytes([msgs[1][-1] ^ 1]), 1, "last byte flipped"),
                           (msgs[1][:100], 1, "truncated")]:
        try:
            accept_join(rng, inv, pre_sk, alice, data, idx)
            raise AssertionError("should fail")
        except Fail:
            rejects.append({"data": H(data), "index": idx, "why": why, "expect": "decrypt-failed"})
    locs = []
    for i in range(len(RELAYS)):
        ch, tok, th = location(inv["secret"], i)
        locs.append({"index": i, "channelId": H(ch), "token": H(tok), "tokenHash": H(th)})
    payload = invite_bytes(inv)
    return {
        "seed": seed,
        "steps": "identity alice, identity bob, createInvite(alice), startJoin(bob), acceptJoin(alice, joinMessages[1], 1)",
        "alice": {"sign": H(alice.sign), "dh": H(alice.dh), "dhCert": H(alice.cert), "fingerprint": fingerprint(alice.sign)},
        "bob": {"sign": H(bob.sign), "dh": H(bob.dh), "dhCert": H(bob.cert), "fingerprint": fingerprint(bob.sign)},
        "safetyNumber": safety_number(alice.sign, bob.sign),
        "invite": {"relays": RELAYS, "expiresAtIn": EXPIRES_MS, "expiresAt": (EXPIRES_MS // 1000) * 1000, "label": "alice",
                   "secret": H(inv["secret"]), "prekey": H(inv["prekey"]), "prekeySecret": H(pre_sk),
                   "text": "tincan:" + b64u(payload), "link": "https://relay-one.example/chat/#join=" + b64u(payload),
                   "psk": H(psk), "locations": locs},
        "join": {"firstPayload": H(FIRST), "ephemeral": H(ek), "joinMessages": [H(m) for m in msgs],
                 "sk": H(bseed[2]), "hka": H(bseed[3]), "nhkb": H(bseed[4]), "sasKey": H(bseed[5]), "wrapKey": H(bseed[6]),
                 "sessionAd": H(bseed[0])},
        "accept": {"index": 1, "peer": H(peer), "firstPayload": H(first), "joinId": H(ek), "sas": sas(a),
                   "inviterSessionSha256": H(sha256(a.encode())), "joinerSessionSha256": H(sha256(b.encode()))},
        "rejects": rejects,
    }


def mutate(msg, m):
    if m is None:
        return msg
    if "flip" in m:
        i = m["flip"] % len(msg)
        return msg[:i] + bytes([msg[i] ^ 1]) + msg[i + 1:]
    if "truncate" in m:
        return msg[:m["truncate"]]
    if "append" in m:
        return msg + bytes.fromhex(m["append"])
    raise ValueError(m)


def run_scenario(name, seed, script, want):
    """script: list of ops; want: the expected outcome of each deliver/unwrap (sanity check of the
    generator itself; the JSON records what this implementation computed)."""
    rng, alice, bob, inv, pre_sk, a, b, msgs, psk, peer, first, ek = setup(seed, RELAYS[:1], 0)
    st = {"a": a, "b": b}
    sent, wraps, steps, outcomes = [], [], [], []
    for op in script:
        kind = op[0]
        if kind == "send":
            _, who, text, full = op
            m = st[who].encrypt(rng, text.encode())
            sent.append(m)
            step = {"op": "send", "from": who, "plaintext": H(text.encode()), "sha256": H(sha256(m))}
            if full:
                step["message"] = H(m)
            steps.append(step)
        elif kind == "deliver":
            _, who, idx, mut = op
            data = mutate(sent[idx], mut)
            step = {"op": "deliver", "to": who, "msg": idx}
            if mut:
                step["mutate"] = mut
            try:
                r = st[who].decrypt(rng, data)
                if r[0] == "ok":
                    st[who] = r[2]
                    step.update(expect="ok", plaintext=H(r[1]))
                else:
                    step["expect"] = "duplicate"
            except Fail:
                step["expect"] = "decrypt-failed"
            outcomes.append(step["expect"])
            steps.append(step)
        elif kind == "forget-seen":
            st[op[1]].seen = []
            steps.append({"op": "forget-seen", "who": op[1]})
        elif kind == "wrap":
            _, who, idx, ch = op
            w = wrap(rng, st[who], bytes.fromhex(ch), sent[idx])
            wraps.append(w)
            steps.append({"op": "wrap", "from": who, "msg": idx, "channel": ch, "data": H(w)})
        elif kind == "unwrap":
            _, who, widx, ch = op
            out = unwrap(st[who], bytes.fromhex(ch), wraps[widx])
            steps.append({"op": "unwrap", "to": who, "wrap": widx, "channel": ch, "expect": "ok" if out is not None else "decrypt-failed"})
            outcomes.append(steps[-1]["expect"])
    assert outcomes == want, (name, outcomes, want)
    return {"name": name, "seed": seed, "steps": steps,
            "final": {"a": H(sha256(st["a"].encode())), "b": H(sha256(st["b"].encode())),
                      "aSkipped": len(st["a"].skipped), "bSkipped": len(st["b"].skipped)}}


def scenarios():
    out = []
    S, D = "send", "deliver"
    out.append(run_scenario("in-order", "in-order", [
        (S, "a", "a0", True), (D, "b", 0, None), (S, "b", "b1", True), (S, "b", "b2", True), (D, "a", 1, None), (D, "a", 2, None),
        (S, "a", "a1", True), (D, "b", 3, None)], ["ok"] * 4))
    out.append(run_scenario("out-of-order", "out-of-order", [
        (S, "b", "m%d" % i, True) for i in range(5)] + [(D, "a", i, None) for i in (3, 0, 4, 2, 1)] + [
        (S, "a", "reply", True), (D, "b", 5, None)], ["ok"] * 6))
    out.append(run_scenario("across-ratchet-steps", "across-ratchet-steps", [
        (S, "b", "x0", True), (S, "b", "x1", True), (D, "a", 1, None), (S, "a", "y0", True), (D, "b", 2, None),
        (S, "b", "x2", True), (D, "a", 3, None), (D, "a", 0, None), (S, "a", "y1", True), (S, "a", "y2", True),
        (S, "b", "x3", True), (D, "b", 5, None), (D, "a", 6, None), (D, "b", 4, None)], ["ok"] * 7))
    big = [(S, "b", "n%d" % i, i >= 999) for i in range(1002)]
    out.append(run_scenario("skip-beyond-bound", "skip-beyond-bound", big + [
        (D, "a", 1001, None), (D, "a", 1000, None), (D, "a", 1001, None), (D, "a", 0, None), (D, "a", 999, None)],
        ["decrypt-failed", "ok", "ok", "ok", "ok"]))
    out.append(run_scenario("duplicates-and-replays", "duplicates-and-replays", [
        (S, "b", "m0", True), (D, "a", 0, None), (D, "a", 0, None), (S, "b", "m1", True), (D, "a", 1, None), (D, "a", 0, None),
        ("forget-seen", "a"), (D, "a", 0, None), (D, "a", 1, None), (S, "b", "m2", True), (D, "a", 2, None)],
        ["ok", "duplicate", "ok", "duplicate", "decrypt-failed", "decrypt-failed", "ok"]))
    muts = [{"flip": 0}, {"flip": 5}, {"flip": 40}, {"flip": 90}, {"flip": 150}, {"flip": -1}, {"truncate": 200}, {"append": "00"}, {"truncate": 120}]
    out.append(run_scenario("forged", "forged", [(S, "b", "m0", True)] + [(D, "a", 0, m) for m in muts] + [
        (D, "a", 0, None), (S, "a", "r0", True), (D, "b", 1, {"flip": 81}), (D, "b", 1, None)],
        ["decrypt-failed"] * len(muts) + ["ok", "decrypt-failed", "ok"]))
    c1, c2 = "01" * 16, "02" * 16
    out.append(run_scenario("wrap", "wrap", [
        (S, "b", "w0", True), ("wrap", "b", 0, c1), ("wrap", "b", 0, c2), ("unwrap", "a", 0, c1), ("unwrap", "a", 0, c2),
        ("unwrap", "a", 1, c2), (D, "a", 0, None)], ["ok", "decrypt-failed", "ok", "ok"]))
    return out


def passphrase_case():
    rng = Drbg(b"passphrase")
    salt, nonce = rng(16), rng(24)
    head = lstring("tincan/v1/pw") + u32(2) + u32(65536) + salt + nonce
    key = nacl.pwhash.argon2id.kdf(32, "correct horse".encode(), salt, opslimit=2, memlimit=65536 * 1024)
    pt = b"phonebook export"
    return {"seed": "passphrase", "passphrase": "correct horse", "plaintext": H(pt), "sealed": H(head + seal(key, nonce, pt, head)), "key": H(key)}


def payload_case():
    msg_id = bytes.fromhex("00112233445566778899aabbccddeeff")
    prev = payload_hash(bytes(16))
    return {"msgId": H(msg_id), "seq": 2, "prevHash": H(prev), "sentAt": 1767225000000, "kind": "text", "body": H("héllo".encode()),
            "encoded": H(encode_payload(msg_id, 2, prev, 1767225000000, "text", "héllo".encode())),
            "hashOfZeroId": H(prev), "hashOfMsgId": H(payload_hash(msg_id))}


def padding_case():
    return [{"length": n, "padded": len(pad(bytes(n)))} for n in (0, 1, 508, 509, 2044, 2045, 8188, 32764, 32765, 61436)]


def main():
    doc = {
        "about": "Tincan v1 test vectors, generated by protocol/vectors/generate.py (an independent Python implementation "
                 "of SPEC.md section 5). Bytes are hex. Randomness: DRBG block_i = SHA-512('tincan-test-drbg' || seed || u32be(i)), "
                 "consumed in order by every draw; see SPEC 5.12 for the order of draws.",
        "constants": {"MAX_SKIP": MAX_SKIP, "MAX_STORED_SKIPPED": MAX_STORED_SKIPPED, "MAX_SEEN": MAX_SEEN, "PAD_BUCKETS": PAD_BUCKETS},
        "drbg": {"seed": "drbg", "first100": H(Drbg(b"drbg")(100))},
        "handshake": handshake_case(),
        "scenarios": scenarios(),
        "payload": payload_case(),
        "padding": padding_case(),
        "passphrase": passphrase_case(),
    }
    path = os.path.join(HERE, "tincan-v1.json")
    if len(sys.argv) == 3 and sys.argv[1] == "--out":
        path = sys.argv[2]
    elif len(sys.argv) != 1:
        sys.exit("usage: generate.py [--out FILE]   (default: protocol/vectors/tincan-v1.json)")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
