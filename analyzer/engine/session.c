/* \summary: the finished session record; see session.h. */
#include "analyzer/engine/session.h"

#include <stdlib.h>

void session_free(struct session *s)
{
	if (!s)
		return;
	smtp_record_free(s->rec);
	free(s);
}
