"""Command-line entry points (composition roots)."""
import warnings

# oslo.messaging imports oslo.service, which imports eventlet only to warn
# that it is deprecated; Mistral never uses eventlet, so the warning is noise.
warnings.filterwarnings('ignore', module='oslo_service')
warnings.filterwarnings('ignore', message='.*[Ee]ventlet.*')
