// PC/SC lite client API (Debian: libpcsclite-dev).
#include <winscard.h>
#include <reader.h>
