/* \summary: the report's data model: every section loaded into small capped
 * tables (struct rdata) before a renderer writes any of it. */
#ifndef SMTPSCOPE_QUERY_RDATA_H
#define SMTPSCOPE_QUERY_RDATA_H

#include "reports/query/table.h"

struct rserver {
	struct rtable names, software, banner, ext, outcomes, timeline, findings, example, transcript;
	double t0, width;   /* timeline: start and bucket width */
};

struct rdata {
	struct rtable summary, severity, findings, servers, others, clients, dsn, dsn_count, anomalies,
		captures, timeline;
	double t0, width;   /* overall timeline */
	struct rserver *srv; /* servers.nrow entries, owned */
	int nsrv;
};

int rdata_load(struct sqlite3 *db, struct rdata *d, char *err, size_t errlen);
void rdata_free(struct rdata *d);

#endif
