"""Named exceptions raised by the library; the CLI and the API turn them into messages."""

from __future__ import annotations


class CurbsideError(Exception):
    """Base class for every error Curbside raises on purpose."""

    code = "error"


class KnowledgeBaseError(CurbsideError):
    """The knowledge base could not be loaded or failed validation."""

    code = "kb_invalid"

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        head = "; ".join(problems[:5])
        more = f" (+{len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"knowledge base invalid: {head}{more}")


class InputError(CurbsideError):
    """The question cannot be used as it is (empty, too long, not text...)."""

    code = "bad_input"


class EmptyInputError(InputError):
    code = "empty"


class InputTooLongError(InputError):
    code = "too_long"


class NotTextError(InputError):
    code = "not_text"


class UnsupportedLanguageError(InputError):
    code = "unsupported_language"


class NoFindingsError(InputError):
    """Nothing in the text was recognised as a symptom or sign."""

    code = "no_findings"


class BadAnswerError(InputError):
    """An interview answer names an unknown finding or is not yes, no or unknown."""

    code = "bad_answer"


class EvalFileError(CurbsideError):
    """An evaluation file is missing or malformed."""

    code = "eval_file"


class CareError(CurbsideError):
    """Base class for booking problems."""

    code = "care_error"


class BookingError(CareError):
    """A booking request that is not valid (unknown physician, not a free slot of theirs, in the past...)."""

    code = "bad_booking"


class SlotTakenError(CareError):
    """The slot was booked by someone else first."""

    code = "slot_taken"


class AppointmentNotFoundError(CareError):
    """No appointment with that id and token."""

    code = "not_found"
