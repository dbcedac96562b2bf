// PKCS#11 (Cryptoki) types from p11-kit's self-contained header (Debian: libp11-kit-dev).
// TokenCert loads modules with dlopen and calls them through CK_FUNCTION_LIST, so nothing is linked here.
#include <p11-kit/pkcs11.h>
