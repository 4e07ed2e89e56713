/* \summary: lookup in the SQL files built into the binary (see scripts/embed-sql.sh). */
#include <string.h>

#include "analyzer/base/embedded.h"

const char *embedded_find(const struct embedded_sql *tab, const char *name)
{
	if (!tab || !name)
		return NULL;
	for (; tab->name; tab++)
		if (strcmp(tab->name, name) == 0)
			return tab->text;
	return NULL;
}
