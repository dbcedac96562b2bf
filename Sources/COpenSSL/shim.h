// OpenSSL 3 (Debian: libssl-dev): PKCS#12 and CMS for the certificate kit.
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/pkcs12.h>
#include <openssl/cms.h>
#include <openssl/provider.h>
#include <openssl/proverr.h>
// The virtual PIV card's chip: key generation, raw RSA, ECDSA/ECDH, block ciphers, key import.
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ec.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
