"""Domain errors that services raise and views turn into messages."""


class DomainError(Exception):
    """A rule of the domain was broken; the message is fit to show a person."""


class NotFound(DomainError):
    """The object does not exist, or the viewer may not know that it does."""


class FieldError(DomainError):
    """A value given for one field breaks a rule; shown next to that field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class DuplicateValue(FieldError):
    """A value that must be unique is already in use."""


class EditConflict(DomainError):
    """Someone else changed the record since the editor opened it."""

    def __init__(self, message: str, current=None):
        super().__init__(message)
        self.current = current
