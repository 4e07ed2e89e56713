/* \summary: the server's own name in its 220 greeting or its HELO/EHLO reply
 * (RFC 5321 4.1.1.1 ehlo-ok-rsp, 4.2 Greeting: the first token is the Domain
 * or an address literal).  Real servers also put greeting words, decorations
 * or nothing there: "250-Hello, client.example.com", Exchange 2003's
 * "250- Hello [192.0.2.7]", "250 OK", Sendmail-style "250 (delta.peach.mil)
 * pleased to meet you" (the client's name), hMailServer's "250 Hello.".
 * Those carry no name. */
#ifndef SMTPSCOPE_REPLY_NAME_H
#define SMTPSCOPE_REPLY_NAME_H

#include <stddef.h>

#define REPLY_NAME_MAX 255  /* a longer first token is cut here (RFC 1035: 255 octets) */

/* text[0..n) is a reply's text after "NNN-"/"NNN " (further lines after a
 * '\n' are ignored).  Returns the length of the server's name and sets *name
 * to its start inside text, or returns 0 when the line names no server:
 * empty, starting with a space, a parenthesised token, or a greeting word
 * (hello, hi, ok, welcome, ready, requested, greetings, pleased, esmtp, smtp,
 * service).  Trailing ',' ';' ':' '!' are not part of a name, nor is one
 * trailing '.' after a single label ("Hello.").  The name is returned as sent
 * (case kept, a root dot kept): it may still be no valid domain (fqdn.h says). */
size_t reply_name(const char *text, size_t n, const char **name);

#endif
