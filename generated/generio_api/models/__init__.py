"""Contains all the data models used in inputs/outputs"""

from .action import Action
from .asset import Asset
from .asset_status import AssetStatus
from .error_detail import ErrorDetail
from .flow import Flow
from .flow_action import FlowAction
from .flow_create import FlowCreate
from .flow_deleted import FlowDeleted
from .flow_list import FlowList
from .flow_sort_field import FlowSortField
from .flow_state import FlowState
from .flow_state_filter import FlowStateFilter
from .http_validation_error import HTTPValidationError
from .input_ import Input
from .input_list import InputList
from .output_list import OutputList
from .template import Template
from .template_list import TemplateList
from .template_parameter import TemplateParameter
from .template_parameters import TemplateParameters
from .validation_error import ValidationError
from .validation_error_context import ValidationErrorContext

__all__ = (
    "Action",
    "Asset",
    "AssetStatus",
    "ErrorDetail",
    "Flow",
    "FlowAction",
    "FlowCreate",
    "FlowDeleted",
    "FlowList",
    "FlowSortField",
    "FlowState",
    "FlowStateFilter",
    "HTTPValidationError",
    "Input",
    "InputList",
    "OutputList",
    "Template",
    "TemplateList",
    "TemplateParameter",
    "TemplateParameters",
    "ValidationError",
    "ValidationErrorContext",
)
