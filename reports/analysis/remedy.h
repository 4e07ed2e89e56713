/* \summary: the remediation texts of the finding kinds. */
#ifndef SMTPSCOPE_ANALYSIS_REMEDY_H
#define SMTPSCOPE_ANALYSIS_REMEDY_H

extern const char REM_KB301401[];
extern const char REM_FQDN[];
extern const char REM_MISMATCH[];
extern const char REM_STALLED[];
extern const char REM_447[];
extern const char REM_447_UNTIED[];
extern const char REM_CLIENT_HELO[];
extern const char REM_CLEARTEXT[];
extern const char REM_STARTTLS[];
extern const char REM_REJECTED[];
extern const char REM_LEGACY[];

#endif
