"""A throw-away TLS certificate and the kit's nginx site rewritten for loopback ports."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.deploy import kit

HOST = "net247.prokuratura.example.kz"


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def nginx_site(
    directory: Path,
    *,
    web_port: int,
    ws_port: int,
    http_port: int,
    https_port: int,
    static_root: Path | None = None,
) -> Path:
    """The kit's site with only ports, certificate, static and log paths substituted."""
    cert, key = self_signed(directory)
    logs = directory / "logs"
    logs.mkdir(exist_ok=True)
    text = kit.NGINX_SITE.read_text(encoding="utf-8")
    replacements = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{web_port};",
        "server 127.0.0.1:8001;": f"server 127.0.0.1:{ws_port};",
        "    listen 80;\n": f"    listen 127.0.0.1:{http_port};\n",
        "    listen [::]:80;\n": "",
        "    listen 443 ssl http2;\n": f"    listen 127.0.0.1:{https_port} ssl http2;\n",
        "    listen [::]:443 ssl http2;\n": "",
        "/etc/ssl/net247/fullchain.pem": str(cert),
        "/etc/ssl/net247/privkey.pem": str(key),
        "/var/lib/net247/static/": f"{static_root or directory / 'static'}/",
        "/var/log/nginx/": f"{logs}/",
    }
    for old, new in replacements.items():
        assert old in text, f"the nginx site no longer contains {old!r}"
        text = text.replace(old, new)
    site = directory / "net247.conf"
    site.write_text(text, encoding="utf-8")
    return site


def nginx_main(directory: Path, site: Path) -> Path:
    """A minimal nginx.conf around the site, as Debian's includes sites-enabled/*."""
    temp = directory / "temp"
    temp.mkdir(exist_ok=True)
    user = "user root root;\n" if os.geteuid() == 0 else ""
    main = directory / "nginx.conf"
    main.write_text(
        f"""{user}worker_processes 1;
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/logs/main-error.log warn;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {site};
}}
""",
        encoding="utf-8",
    )
    return main
