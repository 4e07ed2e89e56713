/* \summary: SQL files built into the binary (schema/NNN_*.sql, reports/queries/NAME.sql). */
#ifndef SMTPSCOPE_EMBEDDED_H
#define SMTPSCOPE_EMBEDDED_H

struct embedded_sql {
	const char *name;  /* file name, e.g. "001_core.sql" */
	const char *text;  /* its bytes, NUL-terminated */
};

/* Sorted by name; ends with { 0, 0 }. */
extern const struct embedded_sql schema_files[];
extern const struct embedded_sql query_files[];

/* The text of the named file in tab, or NULL. */
const char *embedded_find(const struct embedded_sql *tab, const char *name);

#endif
