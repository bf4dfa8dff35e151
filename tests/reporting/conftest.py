"""Mail servers that a municipality's mail server is like: TLS (STARTTLS or from the first byte) with a certificate
from the municipality's own CA, a login, and one that never answers. Certificates are made per test session."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from mail_login import PASSWORD, USERNAME


@dataclass
class TlsFiles:
    ca_file: Path  # the municipality's own CA, as the client trusts it (smtp_ca_file)
    cert_file: Path  # the server's certificate, signed by that CA, for localhost and 127.0.0.1
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory) -> TlsFiles:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = tmp_path_factory.mktemp("tls")
    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Kommune CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # keyCertSign, cRLSign
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    files = TlsFiles(folder / "kommune-ca.pem", folder / "smtp.pem", folder / "smtp-key.pem")
    files.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(server.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files


def free_port() -> int:
    with socket.socket() as probe:  # aiosmtpd's start-up check cannot use port 0
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class MailServer:
    """A running aiosmtpd server: its port, the messages it accepted and the logins it was offered."""

    port: int
    received: list = field(default_factory=list)
    logins: list[tuple[str, bool]] = field(default_factory=list)  # (username, accepted)


def _start(tls: TlsFiles, *, implicit_tls: bool) -> Iterator[MailServer]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message
    from aiosmtpd.smtp import AuthResult, LoginPassword

    server = MailServer(port=free_port())

    class Collect(Message):
        def handle_message(self, message) -> None:
            server.received.append(message)

    def authenticator(smtp, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == USERNAME
            and auth_data.password.decode() == PASSWORD
        )
        server.logins.append((auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "", ok))
        return AuthResult(success=ok, handled=False)

    login = {"authenticator": authenticator, "auth_required": True}
    if implicit_tls:  # SMTP over TLS (port 465 style): TLS from the first byte
        # aiosmtpd's auth_require_tls only knows TLS started by STARTTLS; here every byte is encrypted anyway.
        controller = Controller(
            Collect(),
            hostname="127.0.0.1",
            port=server.port,
            ssl_context=tls.server_context(),
            auth_require_tls=False,
            **login,
        )
    else:  # STARTTLS required before anything else, and before a login (port 587 style)
        controller = Controller(
            Collect(),
            hostname="127.0.0.1",
            port=server.port,
            tls_context=tls.server_context(),
            require_starttls=True,
            auth_require_tls=True,
            **login,
        )
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(tls_files) -> Iterator[MailServer]:
    """Requires STARTTLS, then a login (USERNAME, PASSWORD), before it takes a mail."""
    yield from _start(tls_files, implicit_tls=False)


@pytest.fixture
def ssl_server(tls_files) -> Iterator[MailServer]:
    """SMTP over TLS from the first byte, with a login (USERNAME, PASSWORD)."""
    yield from _start(tls_files, implicit_tls=True)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word; yields the port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            accepted.append(connection)  # kept open, never written to

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in accepted:
            connection.close()
        listener.close()
