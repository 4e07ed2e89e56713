-- smtpscope schema version 8 (issue 16): what TLS showed after STARTTLS,
-- X-ANONYMOUSTLS or on port 465.  Three kinds of data, kept apart:
--   tls_handshakes, certificates, session_certificates: parsed in clear from
--     the handshake (facts);
--   tls_estimates: what the encrypted phase probably did, from record sizes
--     (an estimate, with the rule that made it; never mixed with the above).
-- The contract is documented in schema/README.md ("TLS").

ALTER TABLE sessions ADD COLUMN tls_mode TEXT;   -- starttls, x-anonymoustls, implicit; NULL: no TLS
ALTER TABLE sessions ADD COLUMN tls_plaintext INTEGER NOT NULL DEFAULT 0; -- SMTP text after the 220 instead of TLS

CREATE TABLE IF NOT EXISTS tls_handshakes (
    session_id        INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    client_hello      INTEGER NOT NULL DEFAULT 0,  -- a ClientHello was parsed
    server_hello      INTEGER NOT NULL DEFAULT 0,  -- a ServerHello was parsed
    client_version    TEXT,     -- ClientHello legacy_version as a name ("TLSv1.2")
    client_max_version TEXT,    -- highest supported_versions entry (else legacy)
    client_versions   TEXT,     -- supported_versions list, "TLSv1.3,TLSv1.2"
    sni               TEXT,     -- server_name host_name
    alpn              TEXT,     -- ALPN protocols, comma-joined
    cipher_suites     INTEGER,  -- number offered (GREASE included)
    extensions        INTEGER,  -- number sent (GREASE included)
    ja3               TEXT,     -- MD5 hex (salesforce/ja3)
    ja4               TEXT,     -- FoxIO JA4 ("t13d1516h2_8daaf6152771_e5627efa2ab1")
    version           TEXT,     -- negotiated ("TLSv1.3"); NULL without ServerHello
    version_code      INTEGER,  -- its wire value (0x0304 = 772)
    cipher            TEXT,     -- IANA name of the chosen suite, or "0xc02f" when unnamed
    cipher_code       INTEGER,
    ja3s              TEXT,
    hello_retry       INTEGER NOT NULL DEFAULT 0,
    downgrade_sentinel INTEGER NOT NULL DEFAULT 0,
    certificate       TEXT NOT NULL,  -- sent (TLS <= 1.2, see session_certificates), hidden (TLS 1.3), none
    certificates_total INTEGER NOT NULL DEFAULT 0, -- in the Certificate message
    alert             TEXT,     -- first alert in the clear: "fatal unknown_ca from client"
    alerts            INTEGER NOT NULL DEFAULT 0,
    established       INTEGER NOT NULL DEFAULT 0,  -- encrypted records from both sides
    records_c2s       INTEGER NOT NULL DEFAULT 0,
    records_s2c       INTEGER NOT NULL DEFAULT 0,
    gap_bytes         INTEGER NOT NULL DEFAULT 0
);

-- One row per distinct certificate (by SHA-256 of its DER).
CREATE TABLE IF NOT EXISTS certificates (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT NOT NULL UNIQUE,  -- lowercase hex, = openssl x509 -fingerprint -sha256
    parsed       INTEGER NOT NULL,      -- 0: OpenSSL refused the DER (error says why)
    subject      TEXT,                  -- RFC 2253 ("O=Example,CN=mx.example.com")
    issuer       TEXT,
    subject_cn   TEXT,
    serial       TEXT,                  -- hex, upper case, as openssl prints it
    not_before   REAL,                  -- Unix seconds
    not_after    REAL,
    key_type     TEXT,                  -- RSA, EC, ED25519 ...
    key_bits     INTEGER,
    key_curve    TEXT,
    sig_alg      TEXT,                  -- sha256WithRSAEncryption ...
    self_signed  INTEGER NOT NULL DEFAULT 0, -- issuer = subject and the signature verifies with its own key
    is_ca        INTEGER NOT NULL DEFAULT 0,
    sans         TEXT,                  -- "DNS:a.example,IP:192.0.2.1,email:x@y" (cut at X509_SANS_MAX)
    sans_total   INTEGER NOT NULL DEFAULT 0,
    der_len      INTEGER NOT NULL,
    error        TEXT,
    first_seen   REAL                   -- capture time of the first session that showed it
);

-- Names of a certificate, one per row, for joins with banner and EHLO names.
CREATE TABLE IF NOT EXISTS certificate_names (
    certificate_id INTEGER NOT NULL REFERENCES certificates(id) ON DELETE CASCADE,
    kind           TEXT NOT NULL,       -- dns, ip, email, uri, cn
    name           TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS session_certificates (
    session_id     INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,    -- 0 = the server's own (leaf) certificate
    certificate_id INTEGER NOT NULL REFERENCES certificates(id),
    PRIMARY KEY (session_id, seq)
);

-- ESTIMATED from encrypted record sizes; see README "What an encrypted session did".
CREATE TABLE IF NOT EXISTS tls_estimates (
    session_id       INTEGER PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    rule             TEXT NOT NULL,     -- "tls-turns-v1"
    verdict          TEXT NOT NULL,     -- messages, ehlo_quit, ehlo_close, commands_no_message, tls_only
    messages         INTEGER NOT NULL,  -- message bodies transmitted (estimated)
    message_bytes    INTEGER NOT NULL,  -- their estimated total size
    message_sizes    TEXT,              -- "353,4003,40003"
    quit             INTEGER NOT NULL,  -- last client turn looked like QUIT
    ended_after_ehlo INTEGER NOT NULL,  -- nothing between EHLO and QUIT/close: stalled-delivery pattern
    confidence       TEXT NOT NULL,     -- high, medium, low
    client_turns     TEXT,              -- plaintext bytes per client turn ("25,47,27,6,603,6")
    server_turns     TEXT,
    record_overhead  INTEGER
);

CREATE INDEX IF NOT EXISTS certificate_names_name ON certificate_names(name);
CREATE INDEX IF NOT EXISTS certificate_names_cert ON certificate_names(certificate_id);
CREATE INDEX IF NOT EXISTS session_certificates_cert ON session_certificates(certificate_id);

PRAGMA user_version = 8;
