/* \summary: names and descriptions of the anomaly kinds. */
#include "analyzer/base/anomaly.h"

static const char *const names[] = {
#define X(code, name, what) name,
#include "analyzer/base/anomalies.def"
#undef X
};

static const char *const descriptions[] = {
#define X(code, name, what) what,
#include "analyzer/base/anomalies.def"
#undef X
};

const char *anomaly_name(enum anomaly_kind k)
{
	return (unsigned)k < ANOM__COUNT ? names[k] : "unknown";
}

const char *anomaly_description(enum anomaly_kind k)
{
	return (unsigned)k < ANOM__COUNT ? descriptions[k] : "";
}
