# Django's zh_Hans formats (input formats, separators, first day of week), with our display formats.
from django.conf.locale.zh_Hans.formats import *

from config.formats import *
