# Django's English formats (input formats, separators), with our display formats.
from django.conf.locale.en.formats import *

from config.formats import *
