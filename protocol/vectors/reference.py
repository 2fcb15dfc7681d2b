#!/usr/bin/python3
"""Tincan reference implementation in Python: a second, independent implementation of protocol/SPEC.md section 5.

It re-implements every Tincan construction in Python from the SPEC, on other libraries than the
TypeScript code: `cryptography` (OpenSSL) for X25519, Ed25519, HKDF-SHA-256 and SHA-256; Python's
hashlib for BLAKE2b and SHA-512; PyNaCl only for XChaCha20-Poly1305 and Argon2id (OpenSSL has
neither). Randomness comes from a deterministic stream (DRBG below) so that the TypeScript
implementation, fed the same stream, must produce the same bytes.

generate.py uses it to write the vectors. It never calls Node.
"""
import copy
import hashlib
import struct

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
import nacl.bindings
import nacl.exceptions
import nacl.pwhash

MAX_SKIP = 1000
MAX_STORED_SKIPPED = 2000
MAX_SEEN = 2000
PAD_BUCKETS = [512, 2048, 8192, 32768, 61440]


# --- deterministic randomness (test only) --------------------------------------------------
class Drbg:
    """block_i = SHA-512("tincan-test-drbg" || seed || u32be(i)); draws consume the stream in order."""

    def __init__(self, seed: bytes):
        self.seed, self.i, self.buf = seed, 0, b""

    def __call__(self, n: int) -> bytes:
        while len(self.buf) < n:
            self.buf += hashlib.sha512(b"tincan-test-drbg" + self.seed + struct.pack(">I", self.i)).digest()
            self.i += 1
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


# --- canonical encoding (SPEC 5.1) ---------------------------------------------------------
def u8(n): return struct.pack(">B", n)
def u16(n): return struct.pack(">H", n)
def u32(n): return struct.pack(">I", n)
def u64(n): return struct.pack(">Q", n)
def lbytes(b): return u32(len(b)) + b
def lstring(s): return lbytes(s.encode())


# --- primitives ----------------------------------------------------------------------------
def raw_pub(k): return k.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
def x25519_pub(sk): return raw_pub(X25519PrivateKey.from_private_bytes(sk).public_key())
def x25519(sk, pk): return X25519PrivateKey.from_private_bytes(sk).exchange(X25519PublicKey.from_public_bytes(pk))
def ed_pub(seed): return raw_pub(Ed25519PrivateKey.from_private_bytes(seed).public_key())
def ed_sign(seed, msg): return Ed25519PrivateKey.from_private_bytes(seed).sign(msg)


def ed_verify(pk, sig, msg):
    try:
        Ed25519PublicKey.from_public_bytes(pk).verify(sig, msg)
        return True
    except Exception:
        return False


def hkdf(ikm, salt, info, n):
    return HKDF(algorithm=hashes.SHA256(), length=n, salt=salt, info=info.encode() if isinstance(info, str) else info).derive(ikm)


def sha256(b): return hashlib.sha256(b).digest()
def sha512(b): return hashlib.sha512(b).digest()
def blake2b(n, msg, key=b""): return hashlib.blake2b(msg, digest_size=n, key=key).digest()


def seal(key, nonce, pt, ad): return nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(pt, ad, nonce, key)


def open_(key, nonce, ct, ad):
    try:
        return nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(ct, ad, nonce, key)
    except nacl.exceptions.CryptoError:
        return None


class Fail(Exception):
    pass


# --- identities (SPEC 5.3) -----------------------------------------------------------------
class Identity:
    def __init__(self, rng):
        self.seed = rng(32)
        self.sign = ed_pub(self.seed)
        self.dh_sk = rng(32)
        self.dh = x25519_pub(self.dh_sk)
        self.cert = ed_sign(self.seed, lstring("tincan/v1/dh-cert") + self.dh)

    def public(self): return self.sign + self.dh + self.cert


def cert_ok(pub128): return ed_verify(pub128[:32], pub128[64:128], lstring("tincan/v1/dh-cert") + pub128[32:64])


def fingerprint(sign_pk):
    h = blake2b(16, lstring("tincan/v1/fingerprint") + sign_pk).hex().upper()
    return " ".join(h[i:i + 4] for i in range(0, 32, 4))


def safety_half(pk):
    h = sha512(u16(0) + pk + b"tincan")
    for _ in range(5200):
        h = sha512(h + pk)
    return "".join("%05d" % (int.from_bytes(h[i:i + 5], "big") % 100000) for i in range(0, 30, 5))


def safety_number(a, b): return "".join(sorted([safety_half(a), safety_half(b)]))


# --- invites (SPEC 5.4) --------------------------------------------------------------------
def b64u(b):
    import base64
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def invite_key(secret, info, n): return hkdf(secret, b"tincan/v1/invite", info, n)


def location(secret, i):
    ch = invite_key(secret, "tincan/v1/channel/%d" % i, 16)
    tok = invite_key(secret, "tincan/v1/token/%d" % i, 32)
    return ch, tok, sha256(tok)


def invite_bytes(inv):
    label = inv["label"].encode()
    out = u8(1) + inv["secret"] + inv["sign"] + inv["dh"] + inv["cert"] + inv["prekey"] + u32(inv["expires_s"]) + u8(len(label)) + label
    out += u8(len(inv["relays"]))
    for r in inv["relays"]:
        out += u8(len(r.encode())) + r.encode()
    return out


def create_invite(rng, ident, relays, expires_ms, label):
    secret = rng(32)
    pre_sk = rng(32)
    inv = dict(secret=secret, sign=ident.sign, dh=ident.dh, cert=ident.cert, prekey=x25519_pub(pre_sk),
               expires_s=expires_ms // 1000, label=label, relays=relays)
    return inv, pre_sk


# --- padding (SPEC 5.7) --------------------------------------------------------------------
def pad(pt):
    size = next(b for b in PAD_BUCKETS if b >= len(pt) + 4)
    return u32(len(pt)) + pt + bytes(size - 4 - len(pt))


def unpad(p):
    if len(p) not in PAD_BUCKETS:
        return None
    n = struct.unpack(">I", p[:4])[0]
    if n > len(p) - 4 or any(p[4 + n:]):
        return None
    return p[4:4 + n]


# --- Double Ratchet with header encryption (SPEC 5.6) ---------------------------------------
def kdf_root(rk, dh_out):
    o = hkdf(dh_out, rk, "tincan/v1/ratchet", 96)
    return o[:32], o[32:64], o[64:]


def kdf_chain(ck): return blake2b(32, b"\x02", ck), blake2b(32, b"\x01", ck)  # (next ck, mk)


class Session:
    def __init__(self, ad, peer, sk, hka, nhkb, sas_key, wrap_key):
        self.ad, self.peer, self.sas_key, self.wrap_key = ad, peer, sas_key, wrap_key
        self.dhs_sk = self.dhr = self.cks = self.ckr = self.hks = self.hkr = self.nhks = self.nhkr = None
        self.rk = sk
        self.ns = self.nr = self.pn = 0
        self.skipped = []  # [hk, n, mk], oldest first
        self.seen = []

    @staticmethod
    def sender(rng, seed, peer_ratchet):
        s = Session(*seed)
        s.dhs_sk = rng(32)
        s.dhr = peer_ratchet
        s.rk, s.cks, s.nhks = kdf_root(seed[2], x25519(s.dhs_sk, peer_ratchet))
        s.hks, s.nhkr = seed[3], seed[4]
        return s

    @staticmethod
    def receiver(seed, prekey_sk):
        s = Session(*seed)
        s.dhs_sk = prekey_sk
        s.nhks, s.nhkr = seed[4], seed[3]
        return s

    def encode(self):
        out = lstring("tincan/v1/session") + lbytes(self.ad) + self.peer + self.sas_key + self.wrap_key + self.dhs_sk
        for k in [self.dhr, self.rk, self.cks, self.ckr, self.hks, self.hkr, self.nhks, self.nhkr]:
            out += b"\x00" if k is None else b"\x01" + k
        out += u32(self.ns) + u32(self.nr) + u32(self.pn) + u32(len(self.skipped))
        for hk, n, mk in self.skipped:
            out += hk + u32(n) + mk
        out += u32(len(self.seen)) + b"".join(self.seen)
        return out

    def encrypt(self, rng, pt):
        self.cks, mk = kdf_chain(self.cks)
        header = x25519_pub(self.dhs_sk) + u32(self.pn) + u32(self.ns)
        hnonce = rng(24)
        enc_header = b"\x01" + hnonce + seal(self.hks, hnonce, header, self.ad)
        nonce = rng(24)
        body = seal(mk, nonce, pad(pt), self.ad + enc_header)
        self.ns += 1
        return enc_header + nonce + body

    def _skip(self, until):
        if until - self.nr > MAX_SKIP:
            raise Fail("too many skipped")
        if self.ckr is None or self.hkr is None:
            return
        while self.nr < until:
            self.ckr, mk = kdf_chain(self.ckr)
            self.skipped.append([self.hkr, self.nr, mk])
            self.nr += 1
        self.skipped = self.skipped[-MAX_STORED_SKIPPED:]

    def _take(self, hk, n):
        for i, (h, m, mk) in enumerate(self.skipped):
            if h == hk and m == n:
                del self.skipped[i]
                return mk
        raise Fail("already read or expired")

    def _next(self):
        self.ckr, mk = kdf_chain(self.ckr)
        self.nr += 1
        return mk

    def decrypt(self, rng, msg):
        """Returns ('ok', plaintext, new_session) or ('duplicate',); raises Fail. Never mutates self."""
        if len(msg) < 1 + 24 + 56 + 24 + 16 or msg[0] != 1:
            raise Fail("not a message")
        digest = blake2b(16, msg)
        if digest in self.seen:
            return ("duplicate",)
        st = copy.deepcopy(self)
        hnonce, hct = msg[1:25], msg[25:81]

        def hdr(raw): return raw[:32], struct.unpack(">I", raw[32:36])[0], struct.unpack(">I", raw[36:40])[0]
        raw = open_(st.hkr, hnonce, hct, st.ad) if st.hkr else None
        if raw:
            _, pn, n = hdr(raw)
            if n < st.nr:
                mk = st._take(st.hkr, n)
            else:
                st._skip(n)
                mk = st._next()
        elif st.nhkr and (raw := open_(st.nhkr, hnonce, hct, st.ad)):
            dh, pn, n = hdr(raw)
            st._skip(pn)
            st.pn, st.ns, st.nr = st.ns, 0, 0
            st.hks, st.hkr, st.dhr = st.nhks, st.nhkr, dh
            st.rk, st.ckr, st.nhkr = kdf_root(st.rk, x25519(st.dhs_sk, dh))
            st.dhs_sk = rng(32)
            st.rk, st.cks, st.nhks = kdf_root(st.rk, x25519(st.dhs_sk, dh))
            st._skip(n)
            mk = st._next()
        else:
            mk, tried = None, []
            for hk, _, _ in st.skipped:
                if hk in tried:
                    continue
                tried.append(hk)
                r = open_(hk, hnonce, hct, st.ad)
                if r:
                    mk = st._take(hk, hdr(r)[2])
                    break
            if mk is None:
                raise Fail("no header key opens it")
        padded = open_(mk, msg[81:105], msg[105:], st.ad + msg[:81])
        if padded is None:
            raise Fail("body forged")
        pt = unpad(padded)
        if pt is None:
            raise Fail("bad padding")
        st.seen = (st.seen + [digest])[-MAX_SEEN:]
        return ("ok", pt, st)


def sas(s):
    d = blake2b(8, b"tincan/v1/sas", s.sas_key)
    return "%06d" % (int.from_bytes(d[:5], "big") % 1000000)


def wrap(rng, s, channel, msg):
    nonce = rng(24)
    return nonce + seal(s.wrap_key, nonce, msg, lstring("tincan/v1/wrap") + lbytes(channel))


def unwrap(s, channel, data):
    return open_(s.wrap_key, data[:24], data[24:], lstring("tincan/v1/wrap") + lbytes(channel))


# --- handshake (SPEC 5.5) ------------------------------------------------------------------
def session_ad(joiner_pub, inv, ek):
    return lstring("tincan/v1/ad") + joiner_pub[:64] + inv["sign"] + inv["dh"] + inv["prekey"] + ek


def key_schedule(psk, dh1, dh2, dh3, ad, peer):
    o = hkdf(b"\xff" * 32 + dh1 + dh2 + dh3, psk, "tincan/v1/x3dh", 160)
    return (ad, peer, o[:32], o[32:64], o[64:96], o[96:128], o[128:160])


def join_ad(channel): return lstring("tincan/v1/join") + lbytes(channel)


def start_join(rng, inv, me, first):
    psk = invite_key(inv["secret"], "tincan/v1/psk", 32)
    ek_sk = rng(32)
    ek = x25519_pub(ek_sk)
    dh1, dh2, dh3 = x25519(me.dh_sk, inv["prekey"]), x25519(ek_sk, inv["dh"]), x25519(ek_sk, inv["prekey"])
    seed = key_schedule(psk, dh1, dh2, dh3, session_ad(me.public(), inv, ek), inv["sign"] + inv["dh"] + inv["cert"])
    id_box = seal(hkdf(dh3, psk, "tincan/v1/id", 32), bytes(24), me.public(), ek)
    s = Session.sender(rng, seed, inv["prekey"])
    join = b"\x01" + ek + id_box + s.encrypt(rng, first)
    wk = invite_key(inv["secret"], "tincan/v1/join-wrap", 32)
    msgs = []
    for i in range(len(inv["relays"])):
        nonce = rng(24)
        msgs.append(nonce + seal(wk, nonce, join, join_ad(location(inv["secret"], i)[0])))
    return s, msgs, psk, seed


def accept_join(rng, inv, pre_sk, me, data, index):
    wk = invite_key(inv["secret"], "tincan/v1/join-wrap", 32)
    join = open_(wk, data[:24], data[24:], join_ad(location(inv["secret"], index)[0]))
    if join is None or join[0] != 1:
        raise Fail("not this invite/location")
    ek, id_box, first = join[1:33], join[33:177], join[177:]
    psk = invite_key(inv["secret"], "tincan/v1/psk", 32)
    dh3 = x25519(pre_sk, ek)
    peer = open_(hkdf(dh3, psk, "tincan/v1/id", 32), bytes(24), id_box, ek)
    if peer is None:
        raise Fail("id box")
    if not cert_ok(peer):
        raise Fail("verification")
    dh1, dh2 = x25519(pre_sk, peer[32:64]), x25519(me.dh_sk, ek)
    seed = key_schedule(psk, dh1, dh2, dh3, session_ad(peer, inv, ek), peer)
    r = Session.receiver(seed, pre_sk).decrypt(rng, first)
    return r[2], peer, r[1], ek


# --- payload (SPEC 5.6) --------------------------------------------------------------------
def encode_payload(msg_id, seq, prev, sent_at, kind, body):
    return u8(1) + msg_id + u64(seq) + prev + u64(sent_at) + lstring(kind) + lbytes(body)


def payload_hash(msg_id): return sha256(b"tincan/v1/prev" + msg_id)
