/* \summary: the renderers of a loaded report (struct rdata): one function per format. */
#ifndef SMTPSCOPE_RENDER_H
#define SMTPSCOPE_RENDER_H

#include <stdio.h>

#include "reports/query/rdata.h"

int report_html(const struct rdata *d, FILE *out);
int report_text(const struct rdata *d, FILE *out);
int report_json(const struct rdata *d, FILE *out);

#endif
