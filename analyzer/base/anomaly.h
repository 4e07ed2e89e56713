/* \summary: anomaly codes shared by all stages (list in anomalies.def). */
#ifndef SMTPSCOPE_ANOMALY_H
#define SMTPSCOPE_ANOMALY_H

enum anomaly_kind {
#define X(code, name, what) ANOM_##code,
#include "analyzer/base/anomalies.def"
#undef X
	ANOM__COUNT
};

/* The stable name stored in anomalies.kind, e.g. "line_too_long". */
const char *anomaly_name(enum anomaly_kind k);
/* One line saying what the anomaly means (for --help and the README). */
const char *anomaly_description(enum anomaly_kind k);

#endif
