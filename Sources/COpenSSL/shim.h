// OpenSSL 3 (Debian: libssl-dev): PKCS#12 and CMS for the certificate kit.
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/pkcs12.h>
#include <openssl/cms.h>
#include <openssl/provider.h>
