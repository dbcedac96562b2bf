#!/usr/bin/env python3
"""Whole-process timings of the tokencert commands scripts run in loops, each against its peer on the
same token and files, interleaved in one run (issue 17's `cli` benchmark; see bench/README.md).

  scripts/package && bench/run cli [--runs 40] [--batch 1000] [--tokencert .build/release/tokencert]

Setup (not measured): a fresh SoftHSM2 token (private SOFTHSM2_CONF) with a P-256 key made by pkcs11-tool,
a certificate for it from a throwaway CA (the CSR signed on the token through OpenSSL's pkcs11 engine,
Debian's libengine-pkcs11-openssl) stored beside the key, and an order file. Measured, each pair
alternating which goes first, --runs times:
  verify   tokencert verify --in order --sig s.p7s --ca ca.pem --offline   vs  openssl cms -verify (same files)
  sign     tokencert sign --detached on the token                          vs  openssl cms -sign -engine pkcs11 -keyform engine
  tokens   tokencert tokens --module libsofthsm2.so                        vs  pkcs11-tool --module libsofthsm2.so -L
  version  tokencert --version (time and peak RSS alone)
  batch    tokencert verify --batch over N signatures (one process)        vs  a shell loop of N openssl cms -verify
           — twice: all by one signer, and each by its own signer
Wall time per process (median, mean) and peak RSS (GNU time's %M); ratio = ours / theirs (≤ 1.5 is
the target for verify and sign, ≤ 2 for tokens; throughput ≥ 10× for batch).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
ENGINE = "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so"
PIN = "246810"


def run(argv, env=None, check=True, stdin=None):
    p = subprocess.run(argv, env=env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and p.returncode != 0:
        sys.exit(f"setup step failed ({p.returncode}): {' '.join(argv)}\n{p.stdout.decode()}{p.stderr.decode()}")
    return p


def timed(argv, env):
    """Wall seconds of one process, which must exit 0."""
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"measured command failed ({proc.returncode}): {' '.join(argv)}\n{proc.stderr.decode(errors='replace')}")
    return wall


def peak_rss(argv, env):
    """Peak RSS (KiB) of one process as GNU time reports it (its own wait4 of a child it forked, small
    before exec — a child forked from this Python would count Python's pages)."""
    proc = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", "/dev/stderr"] + argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return int(proc.stderr.decode().strip().splitlines()[-1])


def pair(name, ours, theirs, env, runs, their_env=None):
    a, b = [], []
    for i in range(runs):
        order = [(ours, env, a), (theirs, their_env or env, b)]
        if i % 2:
            order.reverse()
        for argv, e, walls in order:
            walls.append(timed(argv, e))
    ra = [peak_rss(ours, env) for _ in range(3)]
    rb = [peak_rss(theirs, their_env or env) for _ in range(3)]
    ma, mb = statistics.median(a), statistics.median(b)
    return {"name": name, "ours_ms": ma * 1000, "theirs_ms": mb * 1000, "ours_mean_ms": statistics.mean(a) * 1000,
            "theirs_mean_ms": statistics.mean(b) * 1000, "ours_rss_mib": max(ra) / 1024, "theirs_rss_mib": max(rb) / 1024,
            "ratio": ma / mb}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokencert", default=".build/release/tokencert",
                    help="the tokencert executable (default .build/release/tokencert, which scripts/package builds: release, Swift runtime linked in)")
    ap.add_argument("--runs", type=int, default=40, help="processes per side and command (default 40)")
    ap.add_argument("--batch", type=int, default=1000, help="signatures in the batch comparison (default 1000)")
    ap.add_argument("--work", default=None, help="scratch folder (default: a fresh temporary one, removed afterwards)")
    ap.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = ap.parse_args()
    if not os.access(args.tokencert, os.X_OK):
        sys.exit(f"{args.tokencert} is missing: run scripts/package first (it builds the release binaries), or give --tokencert")
    for tool in ["softhsm2-util", "pkcs11-tool", "openssl"]:
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing (apt-get install softhsm2 opensc openssl)")
    if not os.path.exists(ENGINE):
        sys.exit("OpenSSL's pkcs11 engine is missing: apt-get install libengine-pkcs11-openssl")

    work = args.work or tempfile.mkdtemp(prefix="tokencert-cli-bench.")
    os.makedirs(work + "/tokens", exist_ok=True)
    try:
        with open(work + "/softhsm2.conf", "w") as f:
            f.write(f"directories.tokendir = {work}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n")
        with open(work + "/openssl.cnf", "w") as f:
            f.write("openssl_conf = init\n[init]\nengines = engines\n[engines]\npkcs11 = pkcs11\n[pkcs11]\n"
                    f"engine_id = pkcs11\ndynamic_path = {ENGINE}\nMODULE_PATH = {MODULE}\ninit = 0\n")
        env = dict(os.environ, SOFTHSM2_CONF=work + "/softhsm2.conf", TOKENCERT_PIN=PIN, LC_ALL="C.UTF-8")
        env.pop("OPENSSL_CONF", None)
        # Only the engine's commands read this configuration (with it loaded, plain openssl x509 fails).
        engine_env = dict(env, OPENSSL_CONF=work + "/openssl.cnf")
        w = lambda name: os.path.join(work, name)
        run(["softhsm2-util", "--init-token", "--free", "--label", "bench", "--pin", PIN, "--so-pin", "13579111"], env)
        run(["pkcs11-tool", "--module", MODULE, "--token-label", "bench", "--login", "--pin", PIN, "--keypairgen",
             "--key-type", "EC:prime256v1", "--id", "01", "--label", "order-key"], env)
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "30",
             "-subj", "/CN=Bench CA", "-keyout", w("ca.key"), "-out", w("ca.pem")], env)
        key_uri = f"pkcs11:token=bench;object=order-key;type=private;pin-value={PIN}"
        run(["openssl", "req", "-new", "-engine", "pkcs11", "-keyform", "engine", "-key", key_uri, "-subj", "/CN=Bench customer/serialNumber=A123456789",
             "-out", w("c.csr")], engine_env)
        with open(w("c.ext"), "w") as f:
            f.write("keyUsage = critical, digitalSignature, nonRepudiation\nbasicConstraints = CA:FALSE\n")
        run(["openssl", "x509", "-req", "-in", w("c.csr"), "-CA", w("ca.pem"), "-CAkey", w("ca.key"), "-CAcreateserial", "-days", "30",
             "-extfile", w("c.ext"), "-out", w("c.pem")], env)
        run(["openssl", "x509", "-in", w("c.pem"), "-outform", "DER", "-out", w("c.der")], env)
        run(["pkcs11-tool", "--module", MODULE, "--token-label", "bench", "--login", "--pin", PIN, "--write-object", w("c.der"),
             "--type", "cert", "--id", "01", "--label", "order-key"], env)
        with open(w("order.txt"), "w") as f:
            f.write("BUY 2330 1000 @ 1050 TWD account 1020-1234567\n")
        token = ["--token", "pkcs11:token=bench", "--module", MODULE]
        run([args.tokencert, "sign", "--in", w("order.txt"), "--out", w("ours.p7s"), "--detached", "--force"] + token, env)
        # Both signatures verify with both verifiers before anything is timed.
        run(["openssl", "cms", "-sign", "-binary", "-md", "sha256", "-in", w("order.txt"), "-signer", w("c.pem"), "-inkey", key_uri,
             "-keyform", "engine", "-engine", "pkcs11", "-outform", "DER", "-out", w("theirs.p7s")], engine_env)
        for sig in ["ours.p7s", "theirs.p7s"]:
            run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", w(sig), "-content", w("order.txt"), "-CAfile", w("ca.pem"),
                 "-out", "/dev/null"], env)
            run([args.tokencert, "verify", "--in", w("order.txt"), "--sig", w(sig), "--ca", w("ca.pem"), "--offline"], env)

        rows = []
        rows.append(pair("verify",
                         [args.tokencert, "verify", "--in", w("order.txt"), "--sig", w("ours.p7s"), "--ca", w("ca.pem"), "--offline"],
                         ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", w("ours.p7s"), "-content", w("order.txt"),
                          "-CAfile", w("ca.pem"), "-out", "/dev/null"], env, args.runs))
        rows.append(pair("sign",
                         [args.tokencert, "sign", "--in", w("order.txt"), "--out", w("s1.p7s"), "--detached", "--force"] + token,
                         ["openssl", "cms", "-sign", "-binary", "-md", "sha256", "-in", w("order.txt"), "-signer", w("c.pem"), "-inkey", key_uri,
                          "-keyform", "engine", "-engine", "pkcs11", "-outform", "DER", "-out", w("s2.p7s")], env, args.runs,
                         their_env=engine_env))
        rows.append(pair("tokens", [args.tokencert, "tokens", "--module", MODULE], ["pkcs11-tool", "--module", MODULE, "-L"], env, args.runs))
        versions = [timed([args.tokencert, "--version"], env) for _ in range(args.runs)]
        version = {"name": "version", "ours_ms": statistics.median(versions) * 1000,
                   "ours_rss_mib": max(peak_rss([args.tokencert, "--version"], env) for _ in range(3)) / 1024}

        # Batch: N distinct signatures by software keys of the same CA, made by openssl (not measured):
        # once all by one signer (a customer's orders: tokencert checks that signer's chain once), once
        # each by its own signer (every chain checked).
        def make_batch(folder, signers):
            os.makedirs(w(folder), exist_ok=True)
            making = []
            for k in range(signers):
                key, csr, pem = w(f"{folder}/s{k}.key"), w(f"{folder}/s{k}.csr"), w(f"{folder}/s{k}.pem")
                making.append(f"openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=Batch signer {k}' "
                              f"-keyout {key} -out {csr} 2>/dev/null || exit 1")
                making.append(f"openssl x509 -req -in {csr} -CA {w('ca.pem')} -CAkey {w('ca.key')} -CAcreateserial -days 30 "
                              f"-extfile {w('c.ext')} -out {pem} 2>/dev/null || exit 1")
            lines, script = [], []
            for i in range(args.batch):
                content, sig = w(f"{folder}/o{i}.txt"), w(f"{folder}/o{i}.p7s")
                with open(content, "w") as f:
                    f.write(f"BUY 2330 {i + 1} @ 1050\n")
                lines.append(json.dumps({"signature": sig, "content": content}))
                script.append(f"openssl cms -verify -binary -inform DER -in {sig} -content {content} -CAfile {w('ca.pem')} -out /dev/null || exit 1")
                k = i % signers
                making.append(f"openssl cms -sign -binary -md sha256 -in {content} -signer {w(f'{folder}/s{k}.pem')} "
                              f"-inkey {w(f'{folder}/s{k}.key')} -outform DER -out {sig} || exit 1")
            with open(w(f"{folder}/make.sh"), "w") as f:
                f.write("\n".join(making) + "\n")
            run(["bash", w(f"{folder}/make.sh")], env)
            with open(w(f"{folder}/batch.jsonl"), "w") as f:
                f.write("\n".join(lines) + "\n")
            with open(w(f"{folder}/loop.sh"), "w") as f:
                f.write("\n".join(script) + "\n")
            measured = pair("batch", [args.tokencert, "verify", "--batch", w(f"{folder}/batch.jsonl"), "--ca", w("ca.pem"), "--offline"],
                            ["bash", w(f"{folder}/loop.sh")], env, batch_runs)
            measured.update(signatures=args.batch, signers=signers, ours_per_s=args.batch / (measured["ours_ms"] / 1000),
                            theirs_per_s=args.batch / (measured["theirs_ms"] / 1000))
            return measured

        batch_runs = max(3, args.runs // 10)
        batches = [make_batch("batch", 1), make_batch("batch-signers", args.batch)]

        if args.json:
            print(json.dumps({"rows": rows, "version": version, "batches": batches}, indent=2))
            return
        print(f"whole processes, median of {args.runs} per side (alternating), SoftHSM2 P-256 key; peak RSS")
        targets = {"verify": 1.5, "sign": 1.5, "tokens": 2.0}
        for r in rows:
            print(f"  {r['name']:<7} tokencert {r['ours_ms']:7.1f} ms ({r['ours_rss_mib']:5.1f} MiB)   peer {r['theirs_ms']:7.1f} ms "
                  f"({r['theirs_rss_mib']:5.1f} MiB)   ratio {r['ratio']:.2f} (target ≤ {targets[r['name']]})")
        print(f"  version tokencert --version {version['ours_ms']:.1f} ms, {version['ours_rss_mib']:.1f} MiB")
        for batch in batches:
            who = "one signer" if batch["signers"] == 1 else f"{batch['signers']} signers"
            print(f"  batch   {args.batch} signatures by {who}, median of {batch_runs}: tokencert verify --batch {batch['ours_ms'] / 1000:.2f} s "
                  f"({batch['ours_per_s']:.0f}/s)   shell loop of openssl cms -verify {batch['theirs_ms'] / 1000:.2f} s ({batch['theirs_per_s']:.0f}/s)   "
                  f"throughput ×{batch['theirs_ms'] / batch['ours_ms']:.1f} (target ≥ 10)")
        print(f"  tokencert binary: {os.path.getsize(args.tokencert) / 1e6:.0f} MB")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
