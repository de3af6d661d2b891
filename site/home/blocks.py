"""StreamField blocks shared by every page type of the site."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("heading"))
    size = blocks.ChoiceBlock(
        choices=[("h2", _("Level 2")), ("h3", _("Level 3")), ("h4", _("Level 4"))],
        default="h2",
        label=_("level"),
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "home/blocks/heading_block.html"


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        choices=[("info", _("Note")), ("tip", _("Tip")), ("warning", _("Warning"))],
        default="info",
        label=_("kind"),
    )
    title = blocks.CharBlock(required=False, label=_("title"))
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "ol", "ul"], label=_("text"))

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "home/blocks/callout_block.html"


class FeatureBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("title"))
    text = blocks.TextBlock(label=_("text"))
    link = blocks.PageChooserBlock(required=False, label=_("link"))

    class Meta:
        icon = "doc-full"
        label = _("Feature")


class FeatureGridBlock(blocks.StructBlock):
    heading = blocks.CharBlock(required=False, label=_("heading"))
    features = blocks.ListBlock(FeatureBlock(), label=_("features"))

    class Meta:
        icon = "table"
        label = _("Feature grid")
        template = "home/blocks/feature_grid_block.html"


class BaseStreamBlock(blocks.StreamBlock):
    """The common body of content pages."""

    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(icon="pilcrow", label=_("Paragraph"))
    image = ImageBlock(label=_("Image"))
    callout = CalloutBlock()
    document = DocumentChooserBlock(label=_("Document"), template="home/blocks/document_block.html")
    embed = EmbedBlock(label=_("Embedded media"), help_text=_("For example a video link."))
    features = FeatureGridBlock()
