"""Preferences → Content credentials: the identity exports are signed with (as ``previz credentials show``
says), and choosing the studio's certificate chain with its key or a signing command, applied through the
same ``set_identity`` as ``previz credentials set``: a bad certificate or key is refused with the core's
message next to the fields and nothing is kept. Without a studio identity, Previz signs with this install's
local identity, valid but untrusted outside the studio."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from previz.core.errors import PrevizError

PEM_FILTER = "PEM files (*.pem *.crt *.key);;All files (*)"


def _name(name, org: bool = True) -> str:
    """A certificate name as people read it: its common name, then its organisation when it adds one."""
    from cryptography.x509.oid import NameOID

    common = [str(a.value) for a in name.get_attributes_for_oid(NameOID.COMMON_NAME)]
    orgs = [str(a.value) for a in name.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)] if org else []
    if not common:
        return name.rfc4514_string()
    return f"{common[0]} · {orgs[0]}" if orgs and orgs[0] not in common[0] else common[0]


def signer_text(identity) -> str:
    """``Exports are signed by NAME · ORGANISATION, issued by CA, valid until DATE.``"""
    leaf = identity.certificates()[0]
    return (
        f"Exports are signed by {_name(leaf.subject)}, issued by {_name(leaf.issuer, org=False)}, "
        f"valid until {leaf.not_valid_after_utc:%Y-%m-%d}."
    )


def _path_row(edit: QLineEdit, browse) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(edit, 1)
    button = QPushButton("Browse…")
    button.clicked.connect(browse)
    layout.addWidget(button)
    return row


class IdentityBox(QGroupBox):
    """The signing identity section of Preferences."""

    def __init__(self, parent=None) -> None:
        super().__init__("Content credentials (signing identity)", parent)
        intro = QLabel(
            "Exported MP4/MOV reels and clips and PNG frames carry C2PA content credentials signed with "
            "this identity: anyone can check which shots are AI-generated, by which model and licence.",
            objectName="dim",
        )
        intro.setWordWrap(True)
        self.current = QLabel("")
        self.current.setWordWrap(True)
        self.note = QLabel("", objectName="dim")
        self.note.setWordWrap(True)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # the CA's path
        self.cert = QLineEdit()
        self.cert.setPlaceholderText("signing certificate first, then its issuers (PEM)")
        self.key = QLineEdit()
        self.key.setPlaceholderText("the certificate's private key (PEM, unencrypted)")
        self.sign_command = QLineEdit()
        self.sign_command.setPlaceholderText("or a command that signs stdin (key in an HSM)")
        self.tsa_url = QLineEdit()
        self.tsa_url.setPlaceholderText("optional; without one signing stays offline")
        self.error_label = QLabel("", objectName="error")
        self.error_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Certificate chain", _path_row(self.cert, lambda: self._browse(self.cert, "chain")))
        form.addRow("Key", _path_row(self.key, lambda: self._browse(self.key, "key")))
        form.addRow("Signing command", self.sign_command)
        form.addRow("Timestamp authority", self.tsa_url)
        self.apply_button = QPushButton("Use this identity")
        self.apply_button.clicked.connect(self.apply)
        self.local_button = QPushButton("Use the local identity")
        self.local_button.setToolTip("Forget the studio identity; sign with this install's own identity")
        self.local_button.clicked.connect(self.use_local)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.local_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.current)
        layout.addWidget(self.note)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.refresh()

    def _browse(self, edit: QLineEdit, what: str) -> None:
        title = "Certificate chain (PEM)" if what == "chain" else "Private key (PEM)"
        path, _ = QFileDialog.getOpenFileName(self, title, "", PEM_FILTER)
        if path:
            edit.setText(path)

    def refresh(self) -> None:
        """Show the identity exports are signed with now (the local one is made on first use)."""
        from previz.export.credentials import current_identity, local_ca_path

        try:
            identity = current_identity()
            identity.check()
            info = identity.describe()
        except PrevizError as exc:
            self.current.setText("The configured identity cannot sign.")
            self.note.setText("")
            self.error_label.setText(exc.one_line())
            return
        self.current.setText(signer_text(identity))
        if identity.local:
            self.note.setText(
                "This install's local identity: its credentials are valid but untrusted outside the "
                f"studio. Give verifiers its CA to trust them: {local_ca_path()}"
            )
        else:
            extra = [f"signing command: {info['signing_command']}"] if info["signing_command"] else []
            extra += (
                [f"timestamp authority: {info['timestamp_authority']}"] if info["timestamp_authority"] else []
            )
            self.note.setText("; ".join(["The studio identity", *extra]))

    def pending(self) -> bool:
        """Whether fields are filled in that have not been applied yet."""
        return any(e.text().strip() for e in (self.cert, self.key, self.sign_command))

    def apply(self) -> bool:
        """Check and keep the chosen identity (``set_identity``); on refusal show why, keep nothing."""
        from previz.export.credentials import set_identity

        cert, key = self.cert.text().strip(), self.key.text().strip()
        command, tsa = self.sign_command.text().strip(), self.tsa_url.text().strip()
        if not cert:
            self.error_label.setText("Certificate chain: choose the PEM file with the signing certificate.")
            return False
        if bool(key) == bool(command):
            self.error_label.setText(
                "Key: choose the certificate's key, or give a signing command (not both)."
            )
            return False
        try:
            set_identity(cert, key or None, sign_command=command or None, tsa_url=tsa or None)
        except PrevizError as exc:
            self.error_label.setText(exc.one_line())
            return False
        for edit in (self.cert, self.key, self.sign_command, self.tsa_url):
            edit.clear()
        self.error_label.setText("")
        self.refresh()
        return True

    def use_local(self) -> None:
        from previz.export.credentials import use_local_identity

        try:
            use_local_identity()
        except PrevizError as exc:
            self.error_label.setText(exc.one_line())
            return
        self.error_label.setText("")
        self.refresh()
