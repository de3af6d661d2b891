"""The Wagtail admin in Chinese and without links off the intranet.

Wagtail 8.0's own zh_Hans catalogue lacks a few hundred of its strings, so the admin
showed "28 Pages", "Can view", "Save your changes before leaving"... They are translated
in site/locale (Django reads LOCALE_PATHS first) and named here so that `make messages`
keeps them. Each msgid is Wagtail's exact text (templates and Python of the installed
version); check it again when upgrading Wagtail.

Also here: the help menu without Wagtail's guide.wagtail.org links (intranets cannot
reach them; our own 使用手册 item stays), and the admin login form with a translated
password label.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop, ngettext
from wagtail import hooks
from wagtail.admin.forms.auth import LoginForm

WAGTAIL_ADMIN_STRINGS = [
    gettext_noop("Can view"),
    gettext_noop("Can access Wagtail admin"),
    gettext_noop('There are no %(model_name)s to display. Why not <a href="%(add_url)s">add one</a>?'),
    gettext_noop("Save your changes before leaving"),
    gettext_noop("Search all pages…"),
    gettext_noop("items"),
    gettext_noop("Use server language: %(language_name)s"),
    gettext_noop(
        'JavaScript is required to use Wagtail, but it is currently disabled.<br /> Here are the <a href="https://www.enable-javascript.com/" target="_blank" rel="noreferrer">instructions how to enable JavaScript in your web browser</a>.'
    ),
    # The translation keeps no link (guide.wagtail.org is unreachable on an intranet).
    gettext_noop(
        # xgettext:no-python-format
        'See our <a href="%(guide_link)s" target="_blank">content checks guide</a> for more information on how content metrics are calculated.'
    ),
    gettext_noop("Date updated"),
    gettext_noop("Edited by"),
    gettext_noop("Has child pages"),
    gettext_noop("Any"),
    gettext_noop("Page type"),
    gettext_noop("Exploring"),
    gettext_noop("Locked by"),
    gettext_noop("Anyone"),
    gettext_noop("Is commenting action"),
    gettext_noop("Page types usage"),
    gettext_noop("Choose parent"),
    gettext_noop("The new page will be a child of this given parent page."),
    gettext_noop("Create a new %(model_name)s"),
    gettext_noop("No %(model_name)s match your query."),
    gettext_noop("No results across entire site."),
    gettext_noop("%(start_index)s-%(end_index)s of %(items_count)s %(model_name)s across entire site."),
    gettext_noop("%(start_index)s-%(end_index)s of %(items_count)s %(model_name)s"),
    gettext_noop("One or more references to this %(model_name)s prevent it from being deleted."),
    gettext_noop(
        "The root level is where you can add new sites to your Wagtail installation. Pages created here will not be accessible at any URL until they are associated with a site."
    ),
    gettext_noop(
        "If you just want to add pages to an existing site, create them as children of the homepage instead."
    ),
    gettext_noop("(blank)"),
    gettext_noop("Sort by '%(label)s' in ascending order."),
    gettext_noop("Sort by '%(label)s' in descending order."),
    gettext_noop("Item %(index)s of %(total)s"),
    gettext_noop("Sort item order"),
    gettext_noop("Enable custom ordering"),
    gettext_noop("Disable custom ordering"),
    gettext_noop("More bulk actions"),
    gettext_noop("%(related_model_name)s %(field_label)s"),
    gettext_noop("%(classname)s object (%(id)s)"),
    gettext_noop("Compare"),
    gettext_noop("Go to the first error"),
    gettext_noop("There are validation errors, click save to highlight them."),
    gettext_noop("Saved"),
    gettext_noop("Autosave is paused"),
    gettext_noop("Autosave is <span>paused</span>"),
    gettext_noop("A network error occurred"),
    gettext_noop(
        "Troubleshoot your connection to the site before proceeding. Open the editor in a separate tab to view the last saved version."
    ),
    gettext_noop("View latest version"),
    gettext_noop("You saved a new version in another window"),
    gettext_noop("You have unsaved changes in another window"),
    gettext_noop("%(user_name)s saved a new version"),
    gettext_noop("%(user_name)s has unsaved changes"),
    gettext_noop("Proceeding will overwrite the changes you made in that window."),
    gettext_noop("Proceeding will overwrite the changes made by %(user_name)s."),
    gettext_noop("Alternatively, you can view the latest version in a new tab."),
    gettext_noop("Currently idle"),
    gettext_noop("Currently viewing"),
    gettext_noop("Correct the validation errors to resume preview (saving will highlight errors)"),
    gettext_noop(
        "Preview cannot display due to validation errors. <br /> Click save to highlight the relevant fields."
    ),
    gettext_noop("Refresh"),
    gettext_noop("Refreshing…"),
    gettext_noop("Checks"),
    gettext_noop("Toggle checks"),
    gettext_noop("Content metrics"),
    gettext_noop("Words"),
    gettext_noop("Readability"),
    gettext_noop("This data explained"),
    gettext_noop("How we calculate our metrics"),
    gettext_noop(
        "We extract the main content from the page preview, remove all formatting, and calculate the number of words."
    ),
    gettext_noop(
        "We calculate reading time from word count, using different reading speeds for different languages."
    ),
    gettext_noop(
        "We use a readability formula based on length of words and sentences. Long sentences and words result in a worse readability score."
    ),
    gettext_noop("Privacy and access"),
    gettext_noop("Choose who can view the live version of this page"),
    gettext_noop("Choose when this page should go live and/or expire"),
    gettext_noop("Choose when this %(model_name)s should go live and/or expire"),
    gettext_noop(
        'This publishing schedule will only take effect after you select the "Schedule to publish" option'
    ),
    gettext_noop("Anyone with editing permissions can create schedules"),
    gettext_noop("But only those with publishing permissions can make them effective."),
    gettext_noop("Schedule to publish"),
    gettext_noop("Scheduling…"),
    gettext_noop("Invalid schedule"),
    gettext_noop("Go-live:"),
    gettext_noop("Once scheduled:"),
    gettext_noop("Locking: "),
    gettext_noop("Anyone can edit this %(model_name)s"),
    gettext_noop("Anyone can edit this %(model_name)s – lock it to prevent others from editing"),
    gettext_noop("This page is locked, by you, to further editing"),
    gettext_noop("Locked by <b>you</b> at <b>%(locking_date)s</b>"),
    gettext_noop("Locked by <b>%(locked_by)s</b> at <b>%(locking_date)s</b>"),
    gettext_noop("Status %(status)s"),
    gettext_noop("%(action)s by <b>%(who)s</b> at <b>%(at)s</b>"),
    gettext_noop("%(action)s at <b>%(at)s</b>"),
    gettext_noop("%(action)s by <b>%(who)s</b>"),
    gettext_noop("To be created by %(user)s"),
    gettext_noop("Available in %(translations_total)s locales"),
    gettext_noop("%(field_label)s:"),
    gettext_noop("at %(time)s by %(user_display_name)s"),
    gettext_noop("at %(time)s"),
    gettext_noop("%(time)s by %(user_display_name)s"),
    gettext_noop("%(time_period)s ago by %(user_display_name)s"),
    gettext_noop(
        "You are viewing a previous version of this %(model_name)s from <b>%(created_at)s</b> by %(user)s"
    ),
    gettext_noop("%(model_name)s '%(object)s' updated and published."),
    gettext_noop("%(model_name)s '%(object)s' created and published."),
    gettext_noop("%(model_name)s '%(object)s' has been submitted for moderation."),
    gettext_noop("%(model_name)s '%(object)s' created and submitted for moderation."),
    gettext_noop("%(model_name)s '%(object)s' has been scheduled for publishing."),
    gettext_noop("%(model_name)s '%(title)s' is now unlocked."),
    gettext_noop("'%(page_title)s' has been moved successfully."),
    gettext_noop("The page could not be created due to validation errors."),
    gettext_noop("The page could not be saved due to validation errors."),
    gettext_noop("The page could not be saved as it is locked."),
    gettext_noop('You do not have permission to publish pages at "%(page_title)s"'),
    gettext_noop("The slug '%(page_slug)s' is already in use within the parent page."),
    gettext_noop("Please type <b>%(wagtail_site_name)s</b> to confirm."),
    gettext_noop("This page is currently at <strong>%(task)s</strong> in <strong>%(workflow)s</strong>."),
    gettext_noop(
        "This %(model_name)s is currently at <strong>%(task)s</strong> in <strong>%(workflow)s</strong>."
    ),
    gettext_noop("Publishing this %(model_name)s will cancel the current workflow."),
    gettext_noop("Your pages and snippets in a workflow"),
    gettext_noop("Shortcuts"),
    gettext_noop("Application"),
    gettext_noop("Show keyboard shortcuts"),
    gettext_noop("Toggle minimap"),
    gettext_noop("Close modal dialogs (like this one)"),
    gettext_noop("Save changes"),
    gettext_noop("Add or show comments"),
    gettext_noop("Text editing"),
    gettext_noop("Cut"),
    gettext_noop("Paste"),
    gettext_noop("Paste and match style"),
    gettext_noop("Paste without formatting"),
    gettext_noop("Text formatting"),
    gettext_noop("Insert or edit a link"),
    gettext_noop("Monospace (code)"),
    gettext_noop("Strike-through"),
    gettext_noop("Section"),
    gettext_noop("account"),
    gettext_noop("Keyboard shortcuts are currently enabled; manage your %(account_link)s to disable them."),
    gettext_noop("Keyboard shortcuts are currently disabled; manage your %(account_link)s to enable them."),
    gettext_noop("Enable custom keyboard shortcuts specific to Wagtail."),
    gettext_noop("Theme preferences"),
    gettext_noop("admin theme"),
    gettext_noop("contrast"),
    gettext_noop("More contrast"),
    gettext_noop("density"),
    gettext_noop("Snug"),
    gettext_noop("Edit account avatar"),
    gettext_noop("System"),
    gettext_noop("Required. Letters, digits and @/./+/-/_ only."),
    gettext_noop("Toggle all change permissions"),
    gettext_noop("Toggle all delete permissions"),
    gettext_noop("Toggle all custom permissions"),
    gettext_noop("Can grade exams and correct keys"),
    gettext_noop("Can view exam results"),
    gettext_noop("Maximum filesize: %(max_upload_size)s."),
    gettext_noop("Oldest"),
    gettext_noop("Usage count: (low to high)"),
    gettext_noop("Usage count: (high to low)"),
    gettext_noop("Please provide an image description to comply with best practices for accessibility."),
    gettext_noop(
        "Upload successful. However, your new image seems to be a duplicate of this existing image. You may delete it if it wasn't required."
    ),
    gettext_noop("You haven't uploaded any images."),
    gettext_noop("Layout"),
    gettext_noop("Grid layout"),
    gettext_noop("List layout"),
    gettext_noop("Image focal point"),
    gettext_noop("unknown number"),
    gettext_noop("The document could not be created due to errors."),
    gettext_noop("The file could not be found. Please change the source or delete the document."),
    gettext_noop(
        'Why not <a class="upload-one-now" href="#tab-upload" data-action="w-tabs#select:prevent" data-w-tabs-target="trigger" data-w-tabs-focus-param="true">upload one now</a>?'
    ),
    gettext_noop("- Select an option -"),
    gettext_noop("Date cannot be in the future."),
    gettext_noop("Unknown content type"),
    gettext_noop("Locked by you"),
    gettext_noop("Locked by another user"),
    gettext_noop("Private, accessible to any logged-in users"),
    gettext_noop("Private, accessible with a shared password"),
]


def _wagtail_admin_plurals():
    """Never called: names Wagtail's plural strings (count labels) for `make messages`."""
    return [
        ngettext(
            '%(total)s Page <span class="w-sr-only">created in %(site_name)s</span>',
            '%(total)s Pages <span class="w-sr-only">created in %(site_name)s</span>',
            1,
        ),
        ngettext(
            '%(total)s Document <span class="w-sr-only">created in %(site_name)s</span>',
            '%(total)s Documents <span class="w-sr-only">created in %(site_name)s</span>',
            1,
        ),
        ngettext(
            '%(total)s Image <span class="w-sr-only">created in %(site_name)s</span>',
            '%(total)s Images <span class="w-sr-only">created in %(site_name)s</span>',
            1,
        ),
        ngettext("There is one matching page", "There are %(counter)s matching pages", 1),
        ngettext("Referenced %(count)s time", "Referenced %(count)s times", 1),
        ngettext(
            "This %(model_name)s is referenced %(usage_count)s time.",
            "This %(model_name)s is referenced %(usage_count)s times.",
            1,
        ),
        ngettext("One other user is currently viewing", "%(num_user)s other users are currently viewing", 1),
        ngettext("%(num_parent_objects)d page", "%(num_parent_objects)d pages", 1),
        ngettext("%(num_child_objects)d child page", "%(num_child_objects)d child pages", 1),
        ngettext(
            "%(num_parent_objects)d page has been deleted",
            "%(num_parent_objects)d pages have been deleted",
            1,
        ),
        ngettext(
            "%(num_parent_objects)d page has been published",
            "%(num_parent_objects)d pages have been published",
            1,
        ),
        ngettext(
            "%(num_parent_objects)d page has been unpublished",
            "%(num_parent_objects)d pages have been unpublished",
            1,
        ),
        ngettext(
            "This page has one subpage. Unpublish this too",
            "This page has %(live_descendant_count)s subpages. Unpublish these too",
            1,
        ),
        ngettext(
            "Deleting this page will also delete %(descendant_count)s child page.",
            "Deleting this page will also delete %(descendant_count)s more child pages.",
            1,
        ),
        ngettext(
            "This action will delete <b>%(total_pages_formatted)s</b> page in total.",
            "This action will delete <b>%(total_pages_formatted)s</b> pages in total.",
            1,
        ),
    ]


def _leaves_the_intranet(item):
    return str(getattr(item, "url", "") or "").startswith(("http://", "https://"))


@hooks.register("construct_help_menu")
def remove_external_help_items(request, menu_items):
    """Wagtail's "What's new" and "Editor Guide" point at guide.wagtail.org: drop every
    help item that leaves the site (the keyboard shortcuts stay)."""
    menu_items[:] = [item for item in menu_items if not _leaves_the_intranet(item)]


class AdminLoginForm(LoginForm):
    """Wagtail's login form, whose password field has no label (it read "Password*")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("Password")
