"""Masking of personal data (手机号、身份证号: 前3后4)."""

PERSONAL_DATA_PERMISSION = "people.view_personal_data"


def mask_middle(value, head=3, tail=4, mask_char="*"):
    """Keep the first `head` and last `tail` characters, mask the rest.

    Short values are masked entirely but for their last character, so a mask never
    reveals a whole value.
    """
    if not value:
        return ""
    value = str(value)
    if len(value) <= head + tail:
        return mask_char * (len(value) - 1) + value[-1:]
    return value[:head] + mask_char * (len(value) - head - tail) + value[-tail:]


def can_see_personal_data(user):
    return bool(user and user.is_authenticated and user.has_perm(PERSONAL_DATA_PERMISSION))
