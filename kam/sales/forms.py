"""The import upload form, and the upload handler that streams the file to disk.

The handler writes the upload straight into ``settings.KAM_UPLOAD_DIR`` under a name of
our own (the user's file name is only kept, sanitised, as the import's source name), and
stops storing as soon as the file passes ``settings.KAM_UPLOAD_MAX_BYTES`` or has a type
that kam cannot import — so a hostile upload never fills the disk.
"""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

from kam.sales.models import ImportKind

# The formats of kam's one import path (CSV and its tab-separated cousin, Excel, Parquet).
ALLOWED_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet")
MAX_SOURCE_NAME = 200


def sanitised_file_name(name: str) -> str:
    """The user's file name without any folder part or unsafe character, kept short
    enough for the import history; ``upload`` when nothing usable is left."""
    base = os.path.basename(name.replace("\\", "/")).strip()
    try:
        safe = get_valid_filename(base)
    except SuspiciousFileOperation:  # names such as "" or ".."
        safe = ""
    if len(safe) > MAX_SOURCE_NAME:
        stem, suffix = os.path.splitext(safe)
        safe = stem[: MAX_SOURCE_NAME - len(suffix)] + suffix
    return safe or "upload"


def file_suffix(name: str) -> str:
    """The lower-case extension of a file name, with its dot."""
    return Path(sanitised_file_name(name)).suffix.lower()


class StoredUpload(UploadedFile):
    """An uploaded file already on disk under ``KAM_UPLOAD_DIR``; the view removes it."""

    def __init__(
        self, *, path: Path, name: str, size: int, content_type: str | None, charset: str | None
    ) -> None:
        super().__init__(
            file=open(path, "rb"),  # noqa: SIM115 - the UploadedFile owns and closes it
            name=name,
            content_type=content_type,
            size=size,
            charset=charset,
        )
        self.path = path

    def temporary_file_path(self) -> str:
        return str(self.path)


class ImportUploadHandler(FileUploadHandler):
    """Streams each uploaded file into ``KAM_UPLOAD_DIR`` and skips it (deleting what was
    written) when the request's files pass ``max_bytes`` in all, or when the file's
    extension is not one kam imports. ``problem`` tells the form why a file was skipped."""

    def __init__(self, request: HttpRequest | None = None, *, max_bytes: int, folder: Path) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.folder = folder
        self.total = 0
        self.problem: str | None = None
        self.paths: list[Path] = []
        self._handle: Any = None
        self._path: Path | None = None
        self._size = 0

    def new_file(
        self,
        field_name: str,
        file_name: str,
        content_type: str,
        content_length: int | None,
        charset: str | None = None,
        content_type_extra: dict[str, bytes] | None = None,
    ) -> None:
        super().new_file(
            field_name, file_name, content_type, content_length, charset, content_type_extra
        )
        suffix = file_suffix(file_name)
        if suffix not in ALLOWED_SUFFIXES:
            self.problem = "type"
            raise SkipFile
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in file_complete
            dir=self.folder, prefix="upload-", suffix=suffix, delete=False
        )
        self._handle, self._path, self._size = handle, Path(handle.name), 0
        self.paths.append(self._path)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.total += len(raw_data)
        self._size += len(raw_data)
        if self.total > self.max_bytes:
            self.problem = "size"
            self._discard()
            raise SkipFile
        self._handle.write(raw_data)
        return None  # consumed: no other handler sees the bytes

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if self._handle is None or self._path is None:
            return None
        self._handle.flush()
        self._handle.close()
        self._handle = None
        return StoredUpload(
            path=self._path,
            name=sanitised_file_name(self.file_name or ""),
            size=self._size,
            content_type=self.content_type,
            charset=self.charset,
        )

    def upload_interrupted(self) -> None:
        self._discard()

    def _discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._path is not None:
            self._path.unlink(missing_ok=True)
            self._path = None

    def cleanup(self) -> None:
        """Remove every file this request stored (after the import read it)."""
        self._discard()
        for path in self.paths:
            path.unlink(missing_ok=True)


def _too_large_message() -> str:
    return str(_("The file is larger than the limit of %(limit)s.")) % {
        "limit": filesizeformat(settings.KAM_UPLOAD_MAX_BYTES)
    }


def _wrong_type_message() -> str:
    return str(
        _(
            "kam imports CSV, Excel (.xlsx) and Parquet files: the file name must end "
            "with .csv, .tsv, .txt, .xlsx or .parquet."
        )
    )


class ImportUploadForm(forms.Form):
    """What a director gives to import one file: its kind, the file and the options."""

    kind = forms.ChoiceField(
        label=_("What the file holds"),
        choices=ImportKind.choices,
        initial=ImportKind.SALES,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (comma, semicolon or tab), Excel (.xlsx) or Parquet."),
    )
    skip_invalid = forms.BooleanField(
        label=_("Skip invalid rows"),
        required=False,
        help_text=_(
            "Store the valid rows and list the others. Without it, one invalid row "
            "rejects the whole file and nothing is stored."
        ),
    )
    replace_from = forms.DateField(
        label=_("Replace from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    replace_to = forms.DateField(
        label=_("Replace to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, upload_problem: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.upload_problem = upload_problem
        self.fields["file"].widget.attrs["accept"] = ",".join(ALLOWED_SUFFIXES)

    def clean_file(self) -> UploadedFile | None:
        uploaded: UploadedFile | None = self.cleaned_data.get("file")
        if uploaded is not None and (uploaded.size or 0) > settings.KAM_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_too_large_message(), code="too_large")
        if uploaded is not None and file_suffix(uploaded.name or "") not in ALLOWED_SUFFIXES:
            raise forms.ValidationError(_wrong_type_message(), code="file_type")
        return uploaded

    def full_clean(self) -> None:
        super().full_clean()
        # A file the upload handler skipped never reaches the field, which then only says
        # "required": name the real reason instead.
        if self.is_bound and "file" in self.errors and self.upload_problem is not None:
            message = (
                _too_large_message() if self.upload_problem == "size" else (_wrong_type_message())
            )
            self.errors["file"] = self.error_class([message])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("replace_from"), data.get("replace_to")
        if (start is None) != (end is None):
            self.add_error(
                "replace_to" if end is None else "replace_from",
                _("Give both dates of the period to replace, or neither."),
            )
        elif start is not None and end is not None:
            if start > end:
                self.add_error("replace_to", _("The end of the period is before its start."))
            if data.get("kind") != ImportKind.SALES:
                self.add_error(
                    "replace_from", _("Only a sales import can replace a period of earlier data.")
                )
        return data

    def replace_period(self) -> tuple[date, date] | None:
        """The period of earlier sales this import replaces, if any (after validation)."""
        start, end = self.cleaned_data.get("replace_from"), self.cleaned_data.get("replace_to")
        if start is None or end is None:
            return None
        return start, end
