/* \summary: what an encrypted SMTP session did, estimated from its TLS
 * records' directions, lengths and order (never decrypted).
 *
 * The rule ("tls-turns-v1", shared/notes/tls-after-starttls.md 5.7, calibrated
 * on shared/pcaps/lab-starttls and tests/e2e/test_tls_live.sh):
 *  1. plaintext = record length - overhead: TLS 1.3 17 (CCM_8 9); TLS 1.2
 *     AES-GCM 24, ChaCha20 16; CBC an interval (IV + MAC + 1..16 padding).
 *  2. the handshake is skipped: TLS <= 1.2 type 23 records only; TLS 1.3 the
 *     client's first records up to its Finished (4 + hash + 17 bytes, at most
 *     3 records), and every server record before it.  Alerts are dropped
 *     (type 21; in 1.3 a direction's last record of plaintext 2).
 *  3. client turns = runs of client records with no server record between.
 *  4. turn 1 is EHLO; a last turn of 6 bytes is QUIT; every other turn is a
 *     message body when it has >= TLS_EST_BODY_MIN bytes, or follows a
 *     6-byte turn (DATA in lock-step) with >= 3 bytes.
 *  5. verdict: no client turn -> tls_only; no body and nothing between EHLO
 *     and QUIT/close -> ehlo_quit / ehlo_close (the stalled-delivery
 *     pattern); no body but other commands -> commands_no_message;
 *     else messages (count, and each body's size minus ".\r\n").
 *  5b. when the session may authenticate with Kerberos (tls_info.auth_hint:
 *     X-ANONYMOUSTLS, or X-EXPS / AUTH GSSAPI advertised in clear), a big
 *     turn right after EHLO that more small turns follow is the token, not
 *     a message (auth_turn = 1).
 *  6. after a gap the record boundaries are lost: the bytes that follow (and
 *     the gap's length) count as spans, and turns go on being cut by the
 *     other side's records (from_span = 1).
 * Confidence: high when every body follows DATA (6) or an envelope turn,
 * medium otherwise, low when client bytes were missing (gaps). */
#ifndef SMTPSCOPE_TLS_ESTIMATE_H
#define SMTPSCOPE_TLS_ESTIMATE_H

#include <stdint.h>

#include "dissectors/tls.h"

#define TLS_EST_RULE      "tls-turns-v1"
#define TLS_EST_BODY_MIN  256   /* a client turn this large is a message body */
#define TLS_EST_SIZES_MAX 32    /* body sizes listed per session */
#define TLS_EST_TURNS_TXT 512   /* bytes of the compact turn lists kept */

struct tls_estimate {
	int valid;                  /* 0: no TLS handshake seen, nothing estimated */
	const char *verdict;        /* static: "messages", "ehlo_quit", "ehlo_close",
	                               "commands_no_message", "tls_only" */
	int messages;               /* estimated message bodies transmitted */
	uint64_t bytes;             /* their estimated total size */
	uint32_t sizes[TLS_EST_SIZES_MAX];
	int n_sizes;
	int quit;                   /* the last client turn looks like QUIT */
	int ended_after_ehlo;       /* ehlo_quit or ehlo_close */
	int client_turns;           /* number of client turns */
	const char *confidence;     /* static: "high", "medium", "low" */
	int overhead;               /* bytes subtracted per record */
	int from_span;              /* part of it from byte spans after a gap (note 5.7 step 6) */
	int auth_turn;              /* the first big turn was taken as Kerberos authentication */
	char client_list[TLS_EST_TURNS_TXT]; /* "25,47,27,6,603,6" (plaintext per turn, cut) */
	char server_list[TLS_EST_TURNS_TXT];
};

/* Fills *e from the records in *i.  Returns e->valid. */
int tls_estimate(const struct tls_info *i, struct tls_estimate *e);

#endif
