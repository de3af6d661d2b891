from django.utils.functional import SimpleLazyObject

from .selectors import user_role_names


def roles(request):
    """The user's role names for templates. Lazy: pages that never ask (the exam pages a whole
    centre autosaves on) pay no query for them."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": frozenset()}
    return {"user_roles": SimpleLazyObject(lambda: user_role_names(user))}
