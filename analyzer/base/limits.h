/* \summary: every cap and timeout of smtpscope, each with the reason for its size.
 *
 * Everything that grows with attacker-controlled input has a cap here.  Going
 * over a cap is counted (an anomaly row or a capture counter); it is never a
 * realloc without limit.  Tests include this file to probe each cap. */
#ifndef SMTPSCOPE_LIMITS_H
#define SMTPSCOPE_LIMITS_H

/* ---- capture and decoding ---------------------------------------------- */
#define CAPTURE_SNAPLEN_MAX   262144   /* libpcap's MAXIMUM_SNAPLEN; larger caplen is corrupt */
#define DECODE_ENCAP_DEPTH_MAX 4       /* GRE/ERSPAN/VXLAN nesting we unwrap before giving up */
#define DECODE_VLAN_DEPTH_MAX  4       /* 802.1Q / QinQ tags stacked */
#define DECODE_IPV6_EXT_MAX    8       /* IPv6 extension headers skipped before giving up */
#define FRAG_TABLE_MAX         1024    /* IPv4 datagrams being reassembled at once */
#define FRAG_PIECES_MAX        64      /* fragments kept per datagram */
#define FRAG_BYTES_MAX         (4u << 20) /* total bytes held by the fragment table */
#define FRAG_TIMEOUT_US        (30ull * 1000000) /* RFC 791 suggests 15 s; Linux uses 30 s */

/* ---- flows -------------------------------------------------------------- */
#define FLOW_TABLE_DEFAULT     (1u << 21) /* flows tracked at once (oldest idle evicted);
                                             2M x ~300 B fits the 1 GB budget for 10^6 flows */
#define FLOW_TIMEOUT_EST_US    (300ull * 1000000) /* established, idle: 5 minutes */
#define FLOW_TIMEOUT_HALF_US   (30ull * 1000000)  /* SYN only, or closed by FIN/RST */
#define FLOW_CLOSED_MAX        4096    /* ended flows kept (to absorb late retransmissions) at once;
                                          beyond it the oldest is dropped early */
#define FLOW_EXPIRE_EVERY_US   (1ull * 1000000)   /* how often the idle scan runs, capture time */
#define PROBE_PAYLOAD_MAX      8       /* payload chunks per direction inspected for an SMTP start
                                          (SOCKS or STARTTLS-less preambles come first) */
#define PROBE_PREFIX           12      /* bytes of a too-short first chunk kept per direction
                                          while probing ("STARTTLS\r\n" fits) */
#define NDPI_PACKETS_MAX       32      /* nDPI's own NDPI_MAX_NUM_PKTS_PER_FLOW_TO_DISSECT */
#define CLASSIFY_FLOWS_MAX     4096    /* flows holding nDPI state (~2.7 KB each) at once; a flow
                                          beyond it is not given to nDPI (counted: ndpi_skipped) */

/* ---- SMTP detection by evidence (analyzer/engine/probe.c) ---------------- */
#define PROBE_LINE_KEEP        128     /* bytes of each early line the probe looks at (verbs, codes,
                                          greeting words); the rest of a longer line is skipped */
#define PROBE_LINES_MAX        32      /* lines per direction read for evidence; a flow still undecided
                                          after that many each way gets the final rule at once */
#define PROBE_CONT_LINES_MAX   1024    /* server continuation lines ("220-", "250-") read besides:
                                          a 40-line legal banner still leaves room for the EHLO reply */

/* ---- TCP reassembly ---------------------------------------------------- */
#define REASM_OOO_FLOW_MAX     (256u * 1024)  /* out-of-order bytes held per direction */
#define REASM_OOO_SEGS_MAX     4096           /* out-of-order segments held per direction */
#define REASM_OOO_TOTAL_MAX    (64u << 20)    /* out-of-order bytes held by all flows together */
#define REASM_WINDOW_MAX       (1u << 30)     /* a segment further than this from the expected
                                                 sequence number is not this stream (ignored) */

/* ---- SMTP dissector ---------------------------------------------------- */
#define SMTP_CMD_LINE_RFC      512     /* RFC 5321 4.5.3.1.4 command line, CRLF included */
#define SMTP_REPLY_LINE_RFC    512     /* RFC 5321 4.5.3.1.5 reply line, CRLF included */
#define SMTP_TEXT_LINE_RFC     1000    /* RFC 5321 4.5.3.1.6 text line, CRLF included */
#define SMTP_LINE_MAX          4096    /* line buffer; a longer line is cut, skipped to LF, counted */
#define SMTP_FIELD_MAX         1024    /* any text field stored (banner, argument, header) is cut here */
#define SMTP_REPLY_LINES_MAX   128     /* lines kept of one multi-line reply */
#define SMTP_EXT_MAX           64      /* EHLO extensions stored per session */
#define SMTP_CMDS_MAX          1024    /* commands stored per session; the rest only counted */
#define SMTP_REPLIES_MAX       1024    /* replies stored per session; the rest only counted */
#define SMTP_PENDING_MAX       512     /* pipelined commands awaiting their reply */
#define SMTP_MAILS_MAX         256     /* mail transactions stored per session */
#define SMTP_RCPT_MAX          1024    /* recipients stored per mail */
#define SMTP_ANOMALIES_MAX     64      /* anomaly rows stored per session; the rest only counted */
#define SMTP_ANOM_PER_KIND     8       /* ... and at most this many of one kind, so a flood of one
                                          (bare LF on every line) cannot push the others out */
#define SMTP_DETAIL_MAX        64      /* bytes of context kept in an anomaly detail */
#define SMTP_HEADER_BLOCK_MAX  (64u * 1024) /* message header bytes examined per mail */
#define SMTP_DSN_SCAN_MAX      (256u * 1024) /* body bytes of a DSN candidate scanned for reports */
#define DSN_RCPT_MAX           256     /* per-recipient DSN blocks stored per mail */
#define SMTP_XEXCH50_MAX       (16u << 20) /* announced XEXCH50 blob size still skipped by length */

/* ---- message parser (dissectors/message.c); each cut is a message_cap anomaly */
#define MSG_LINE_MAX           SMTP_LINE_MAX /* one message line; the rest up to LF is dropped */
#define MSG_UNFOLD_MAX         SMTP_LINE_MAX /* one unfolded header field (name, colon, value) */
#define MSG_MIME_DEPTH         8       /* nested multipart levels followed (a DSN forwarded inside
                                          a digest inside a report is 5 deep); 201 B each */
#define MSG_BOUNDARY_MAX       200     /* RFC 2046 5.1.1 allows 70; longer ones are cut, never match */
#define MSG_CTYPE_MAX          64      /* media type kept of a body part ("multipart/report") */

/* ---- storage ------------------------------------------------------------ */
#define STORE_BATCH_SESSIONS   2000    /* sessions per transaction ... */
#define STORE_BATCH_MS         1000    /* ... or this much wall time, whichever comes first */
/* issue 15: the write path */
#define STORE_PROFILE_CACHE    1024    /* EHLO profiles (capability lists) the writer remembers by
                                          content; a miss is one indexed SELECT; full: emptied */
#define STORE_REINDEX_SESSIONS 200000  /* a replay into a database holding at most this many
                                          sessions drops the analysis' indexes first (rebuilt
                                          sorted by the analysis, cheaper than row by row) */

/* ---- imports (analyzer/capture/import.c) --------------------------------- */
#define IMPORT_HEAD_BYTES      (1u << 20) /* a file's first bytes hashed before reading starts, so a
                                             run killed before its first commit is still recognised */
#define IMPORT_MARKS_MAX       4096    /* earlier stopping points compared while reading (distinct
                                          lengths of earlier imports); beyond it, the longest are not */

/* ---- a locked database (analyzer/store/backlog.c) ------------------------- */
#define STORE_RETRY_MIN_MS     100     /* first back-off after SQLITE_BUSY/LOCKED (plus SQLite's own wait) */
#define STORE_RETRY_MAX_MS     2000    /* ... doubling up to this */
#define ANALYZE_LOCK_TRIES     4       /* analyze's short writes (index builds, the findings swap)
                                          tried this often, each after the busy timeout */
#define STORE_STOP_WAIT_S      60      /* at the stop, how long sessions still wait for a locked
                                          database before they are counted lost */

/* ---- threads and queues ------------------------------------------------- */
#define REPLAY_QUEUE_MAX       256     /* ended sessions waiting for the replay's writer thread;
                                          a full queue makes the reader wait (never drops) */
#define LIVE_QUEUE_MAX     8192 /* ended sessions waiting for the writer (~10 KiB each); then a worker waits ... */
#define LIVE_QUEUE_WAIT_MS 250  /* ... this long (the ring buffers packets meanwhile), and a session
                                   still not queued is dropped (counted) */
#define LIVE_WORKERS_MAX   64   /* capture threads */

/* Event stream, metrics, retention (issue 18) */
#define EVENTS_QUEUE_MAX       16384   /* event lines waiting for the events thread; then dropped, counted */
#define EVENTS_FINDINGS_MAX    65536   /* findings compared from one scan to the next */
#define PRUNE_BATCH_SESSIONS   500     /* sessions deleted per transaction: the writer never waits long */
#define PRUNE_PAUSE_MS         20      /* pause between prune batches, so ingest gets the lock */

#endif
