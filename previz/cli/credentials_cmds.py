"""``previz credentials set|show|local`` (the studio's signing identity) and ``previz verify FILE`` (read a
file's content credentials back). ``verify`` exits 0 when the credentials are valid, 1 otherwise."""

from __future__ import annotations

import argparse

from previz.cli.common import print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "credentials",
        help="the studio identity that signs exports' content credentials (C2PA)",
        description="Exported MP4/MOV reels and clips carry C2PA content credentials signed with the "
        "studio's identity. Without one, Previz signs with a local identity made for this install: valid, "
        "but untrusted outside the studio unless its CA (shown by `credentials show`) is given to verifiers.",
    )
    csub = p.add_subparsers(dest="credentials_command", metavar="ACTION", required=True)
    s = csub.add_parser("set", help="sign with this certificate chain and key (or signing command)")
    s.add_argument(
        "--cert", required=True, metavar="CHAIN.pem", help="signing certificate first, then issuers"
    )
    key = s.add_mutually_exclusive_group(required=True)
    key.add_argument("--key", metavar="KEY.pem", help="the certificate's private key (PEM, unencrypted)")
    key.add_argument(
        "--sign-command",
        metavar="CMD",
        help="a command that signs its stdin and prints the DER signature (a key in an HSM), e.g. "
        "'openssl dgst -sha256 -sign pkcs11:...'",
    )
    s.add_argument(
        "--tsa-url", metavar="URL", help="a timestamp authority (default: none; signing stays offline)"
    )
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_set)
    show = csub.add_parser("show", help="the identity exports are signed with")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
    local = csub.add_parser(
        "local", help="forget the studio identity; sign with this install's local identity"
    )
    local.add_argument("--json", action="store_true")
    local.set_defaults(func=cmd_local)

    v = sub.add_parser(
        "verify",
        help="check a file's content credentials: signer, validity, shots with source type, model, licence",
        description="Read FILE's C2PA content credentials: who signed, whether they are valid (and trusted, "
        "with --trust), and the shots with their source type, model and licence. Exit 0 when valid, 1 "
        "otherwise (invalid, or no credentials).",
    )
    v.add_argument("file")
    v.add_argument("--trust", metavar="CA.pem", help="trust anchors (PEM) to check the signer against")
    v.add_argument("--json", action="store_true")
    v.set_defaults(func=cmd_verify)


def _print_identity(identity, args, verb: str) -> int:
    from previz.export.credentials import local_ca_path

    info = identity.describe()
    if identity.local:
        info["local_ca"] = str(local_ca_path())
    if args.json:
        print_json(info)
        return 0
    print(f"{verb} {info['subject']} (issued by {info['issuer']}, valid until {info['valid_until'][:10]})")
    print(f"  {info['note']}")
    if identity.local:
        print(f"  give verifiers this CA to trust it: {info['local_ca']}")
    if info["signing_command"]:
        print(f"  signing command: {info['signing_command']}")
    if info["timestamp_authority"]:
        print(f"  timestamp authority: {info['timestamp_authority']}")
    return 0


def cmd_set(args) -> int:
    from previz.export.credentials import set_identity

    identity = set_identity(args.cert, args.key, sign_command=args.sign_command, tsa_url=args.tsa_url)
    return _print_identity(identity, args, "exports will be signed by")


def cmd_show(args) -> int:
    from previz.export.credentials import current_identity

    identity = current_identity()
    identity.check()
    return _print_identity(identity, args, "exports are signed by")


def cmd_local(args) -> int:
    from previz.export.credentials import use_local_identity

    return _print_identity(use_local_identity(), args, "exports will be signed by")


def cmd_verify(args) -> int:
    from previz.export.verify import verify_file

    result = verify_file(args.file, trust=args.trust)
    if args.json:
        print_json(result.to_dict())
    else:
        print("\n".join(result.lines()))
    return 0 if result.ok else 1
