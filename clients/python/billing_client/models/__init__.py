"""Contains all the data models used in inputs/outputs"""

from .action_enum import ActionEnum
from .actor_output import ActorOutput
from .actor_output_type_enum import ActorOutputTypeEnum
from .aggregation_enum import AggregationEnum
from .alert_create_input_request import AlertCreateInputRequest
from .alert_output import AlertOutput
from .alert_type_enum import AlertTypeEnum
from .api_error import ApiError
from .api_key_create_input_request import ApiKeyCreateInputRequest
from .api_key_created_output import ApiKeyCreatedOutput
from .api_key_output import ApiKeyOutput
from .audit_entry_output import AuditEntryOutput
from .audit_log_list_actor_type import AuditLogListActorType
from .balance_adjustment_input_request import BalanceAdjustmentInputRequest
from .balance_transaction_kind_enum import BalanceTransactionKindEnum
from .balance_transaction_output import BalanceTransactionOutput
from .batch_usage_event_input_request import BatchUsageEventInputRequest
from .batch_usage_event_input_request_properties_type_0 import BatchUsageEventInputRequestPropertiesType0
from .billing_reason_enum import BillingReasonEnum
from .cancel_input_request import CancelInputRequest
from .canceled_output import CanceledOutput
from .category_enum import CategoryEnum
from .change_input_request import ChangeInputRequest
from .change_preview_output import ChangePreviewOutput
from .changed_output import ChangedOutput
from .charge_input_request import ChargeInputRequest
from .charge_output import ChargeOutput
from .client_error_enum import ClientErrorEnum
from .client_error_response import ClientErrorResponse
from .clock import Clock
from .clock_advance_input_request import ClockAdvanceInputRequest
from .clock_status_enum import ClockStatusEnum
from .coupon_create_input_request import CouponCreateInputRequest
from .coupon_output import CouponOutput
from .credit_grant_create_input_request import CreditGrantCreateInputRequest
from .credit_grant_detail_output import CreditGrantDetailOutput
from .credit_grant_entry_kind_enum import CreditGrantEntryKindEnum
from .credit_grant_entry_output import CreditGrantEntryOutput
from .credit_grant_output import CreditGrantOutput
from .credit_grant_status_enum import CreditGrantStatusEnum
from .credit_note_create_input_request import CreditNoteCreateInputRequest
from .credit_note_output import CreditNoteOutput
from .currency_code import CurrencyCode
from .customer_balance_amount_output import CustomerBalanceAmountOutput
from .customer_balance_output import CustomerBalanceOutput
from .customer_create_input_request import CustomerCreateInputRequest
from .customer_create_input_request_metadata import CustomerCreateInputRequestMetadata
from .customer_output import CustomerOutput
from .customer_usage_meter_output import CustomerUsageMeterOutput
from .customer_usage_output import CustomerUsageOutput
from .discount_create_input_request import DiscountCreateInputRequest
from .discount_output import DiscountOutput
from .dunning_output import DunningOutput
from .duration_enum import DurationEnum
from .effective_enum import EffectiveEnum
from .end_reason_enum import EndReasonEnum
from .error_403 import Error403
from .error_404 import Error404
from .error_405 import Error405
from .error_406 import Error406
from .error_415 import Error415
from .error_429 import Error429
from .error_500 import Error500
from .error_code_403_enum import ErrorCode403Enum
from .error_code_404_enum import ErrorCode404Enum
from .error_code_405_enum import ErrorCode405Enum
from .error_code_406_enum import ErrorCode406Enum
from .error_code_415_enum import ErrorCode415Enum
from .error_code_429_enum import ErrorCode429Enum
from .error_code_500_enum import ErrorCode500Enum
from .error_response import ErrorResponse
from .error_response_403 import ErrorResponse403
from .error_response_404 import ErrorResponse404
from .error_response_405 import ErrorResponse405
from .error_response_406 import ErrorResponse406
from .error_response_415 import ErrorResponse415
from .error_response_429 import ErrorResponse429
from .error_response_500 import ErrorResponse500
from .error_response_type_enum import ErrorResponseTypeEnum
from .event_state_output import EventStateOutput
from .event_state_output_properties import EventStateOutputProperties
from .event_types_enum import EventTypesEnum
from .filter_input_request import FilterInputRequest
from .filter_input_request_properties import FilterInputRequestProperties
from .filter_output import FilterOutput
from .filter_output_properties import FilterOutputProperties
from .final_action_enum import FinalActionEnum
from .interval_enum import IntervalEnum
from .invoice_line_output import InvoiceLineOutput
from .invoice_line_output_group_type_0 import InvoiceLineOutputGroupType0
from .invoice_output import InvoiceOutput
from .invoice_run_output import InvoiceRunOutput
from .invoice_run_status_enum import InvoiceRunStatusEnum
from .invoice_status_enum import InvoiceStatusEnum
from .invoice_tax_output import InvoiceTaxOutput
from .invoice_tier_output import InvoiceTierOutput
from .invoices_export_format import InvoicesExportFormat
from .invoices_list_status import InvoicesListStatus
from .kind_enum import KindEnum
from .line_event_output import LineEventOutput
from .line_event_output_properties import LineEventOutputProperties
from .line_events_output import LineEventsOutput
from .login_input_request import LoginInputRequest
from .login_output import LoginOutput
from .meter_create_input_request import MeterCreateInputRequest
from .meter_output import MeterOutput
from .metrics_currency_mrr import MetricsCurrencyMrr
from .metrics_currency_revenue import MetricsCurrencyRevenue
from .metrics_mrr_output import MetricsMrrOutput
from .metrics_revenue_month import MetricsRevenueMonth
from .metrics_revenue_output import MetricsRevenueOutput
from .model_enum import ModelEnum
from .outcome_enum import OutcomeEnum
from .paginated_alert_output_list import PaginatedAlertOutputList
from .paginated_api_key_output_list import PaginatedApiKeyOutputList
from .paginated_audit_entry_output_list import PaginatedAuditEntryOutputList
from .paginated_balance_transaction_output_list import PaginatedBalanceTransactionOutputList
from .paginated_coupon_output_list import PaginatedCouponOutputList
from .paginated_credit_grant_output_list import PaginatedCreditGrantOutputList
from .paginated_credit_note_output_list import PaginatedCreditNoteOutputList
from .paginated_customer_output_list import PaginatedCustomerOutputList
from .paginated_discount_output_list import PaginatedDiscountOutputList
from .paginated_invoice_output_list import PaginatedInvoiceOutputList
from .paginated_meter_output_list import PaginatedMeterOutputList
from .paginated_plan_output_list import PaginatedPlanOutputList
from .paginated_subscription_output_list import PaginatedSubscriptionOutputList
from .paginated_tax_rate_output_list import PaginatedTaxRateOutputList
from .paginated_usage_event_output_list import PaginatedUsageEventOutputList
from .paginated_user_output_list import PaginatedUserOutputList
from .paginated_webhook_delivery_output_list import PaginatedWebhookDeliveryOutputList
from .paginated_webhook_endpoint_output_list import PaginatedWebhookEndpointOutputList
from .patched_coupon_update_input_request import PatchedCouponUpdateInputRequest
from .patched_customer_update_input_request import PatchedCustomerUpdateInputRequest
from .patched_customer_update_input_request_metadata import PatchedCustomerUpdateInputRequestMetadata
from .patched_plan_update_input_request import PatchedPlanUpdateInputRequest
from .patched_tax_rate_update_input_request import PatchedTaxRateUpdateInputRequest
from .patched_tenant_update_input_request import PatchedTenantUpdateInputRequest
from .patched_webhook_endpoint_input_request import PatchedWebhookEndpointInputRequest
from .payment_webhook_data_request import PaymentWebhookDataRequest
from .payment_webhook_input_request import PaymentWebhookInputRequest
from .payment_webhook_input_type_enum import PaymentWebhookInputTypeEnum
from .payment_webhook_output import PaymentWebhookOutput
from .pending_change_output import PendingChangeOutput
from .plan_create_input_request import PlanCreateInputRequest
from .plan_output import PlanOutput
from .portal_session_output import PortalSessionOutput
from .reason_enum import ReasonEnum
from .refund_status_enum import RefundStatusEnum
from .role_enum import RoleEnum
from .run_input_request import RunInputRequest
from .run_queued_output import RunQueuedOutput
from .server_error_enum import ServerErrorEnum
from .signup_user import SignupUser
from .subscription_create_input_request import SubscriptionCreateInputRequest
from .subscription_output import SubscriptionOutput
from .subscription_status_enum import SubscriptionStatusEnum
from .subscriptions_list_status import SubscriptionsListStatus
from .tax_rate_create_input_request import TaxRateCreateInputRequest
from .tax_rate_output import TaxRateOutput
from .tenant_detail import TenantDetail
from .tenant_dunning_input_request import TenantDunningInputRequest
from .tenant_output import TenantOutput
from .tenant_signup_input_request import TenantSignupInputRequest
from .tenant_signup_output import TenantSignupOutput
from .tenants_coupons_list_duration import TenantsCouponsListDuration
from .tenants_customers_balance_transactions_list_currency import TenantsCustomersBalanceTransactionsListCurrency
from .tenants_customers_balance_transactions_list_kind import TenantsCustomersBalanceTransactionsListKind
from .tenants_meters_list_aggregation import TenantsMetersListAggregation
from .tenants_plans_list_interval import TenantsPlansListInterval
from .threshold_input_request import ThresholdInputRequest
from .threshold_output import ThresholdOutput
from .tier_input_request import TierInputRequest
from .tier_output import TierOutput
from .token_refresh import TokenRefresh
from .token_refresh_request import TokenRefreshRequest
from .upcoming_invoice_output import UpcomingInvoiceOutput
from .usage_amend_input_request import UsageAmendInputRequest
from .usage_amend_input_request_properties_type_0 import UsageAmendInputRequestPropertiesType0
from .usage_batch_input_request import UsageBatchInputRequest
from .usage_batch_output import UsageBatchOutput
from .usage_event_input_request import UsageEventInputRequest
from .usage_event_input_request_properties_type_0 import UsageEventInputRequestPropertiesType0
from .usage_event_output import UsageEventOutput
from .usage_event_output_properties import UsageEventOutputProperties
from .usage_event_revision_list import UsageEventRevisionList
from .usage_event_revision_output import UsageEventRevisionOutput
from .usage_event_revision_output_properties import UsageEventRevisionOutputProperties
from .usage_void_input_request import UsageVoidInputRequest
from .user_create_input_request import UserCreateInputRequest
from .user_output import UserOutput
from .webhook_deliveries_list_event_type import WebhookDeliveriesListEventType
from .webhook_deliveries_list_status import WebhookDeliveriesListStatus
from .webhook_delivery_detail_output import WebhookDeliveryDetailOutput
from .webhook_delivery_output import WebhookDeliveryOutput
from .webhook_delivery_status_enum import WebhookDeliveryStatusEnum
from .webhook_endpoint_created_output import WebhookEndpointCreatedOutput
from .webhook_endpoint_input_request import WebhookEndpointInputRequest
from .webhook_endpoint_output import WebhookEndpointOutput
from .webhook_event_output import WebhookEventOutput

__all__ = (
    "ActionEnum",
    "ActorOutput",
    "ActorOutputTypeEnum",
    "AggregationEnum",
    "AlertCreateInputRequest",
    "AlertOutput",
    "AlertTypeEnum",
    "ApiError",
    "ApiKeyCreatedOutput",
    "ApiKeyCreateInputRequest",
    "ApiKeyOutput",
    "AuditEntryOutput",
    "AuditLogListActorType",
    "BalanceAdjustmentInputRequest",
    "BalanceTransactionKindEnum",
    "BalanceTransactionOutput",
    "BatchUsageEventInputRequest",
    "BatchUsageEventInputRequestPropertiesType0",
    "BillingReasonEnum",
    "CanceledOutput",
    "CancelInputRequest",
    "CategoryEnum",
    "ChangedOutput",
    "ChangeInputRequest",
    "ChangePreviewOutput",
    "ChargeInputRequest",
    "ChargeOutput",
    "ClientErrorEnum",
    "ClientErrorResponse",
    "Clock",
    "ClockAdvanceInputRequest",
    "ClockStatusEnum",
    "CouponCreateInputRequest",
    "CouponOutput",
    "CreditGrantCreateInputRequest",
    "CreditGrantDetailOutput",
    "CreditGrantEntryKindEnum",
    "CreditGrantEntryOutput",
    "CreditGrantOutput",
    "CreditGrantStatusEnum",
    "CreditNoteCreateInputRequest",
    "CreditNoteOutput",
    "CurrencyCode",
    "CustomerBalanceAmountOutput",
    "CustomerBalanceOutput",
    "CustomerCreateInputRequest",
    "CustomerCreateInputRequestMetadata",
    "CustomerOutput",
    "CustomerUsageMeterOutput",
    "CustomerUsageOutput",
    "DiscountCreateInputRequest",
    "DiscountOutput",
    "DunningOutput",
    "DurationEnum",
    "EffectiveEnum",
    "EndReasonEnum",
    "Error403",
    "Error404",
    "Error405",
    "Error406",
    "Error415",
    "Error429",
    "Error500",
    "ErrorCode403Enum",
    "ErrorCode404Enum",
    "ErrorCode405Enum",
    "ErrorCode406Enum",
    "ErrorCode415Enum",
    "ErrorCode429Enum",
    "ErrorCode500Enum",
    "ErrorResponse",
    "ErrorResponse403",
    "ErrorResponse404",
    "ErrorResponse405",
    "ErrorResponse406",
    "ErrorResponse415",
    "ErrorResponse429",
    "ErrorResponse500",
    "ErrorResponseTypeEnum",
    "EventStateOutput",
    "EventStateOutputProperties",
    "EventTypesEnum",
    "FilterInputRequest",
    "FilterInputRequestProperties",
    "FilterOutput",
    "FilterOutputProperties",
    "FinalActionEnum",
    "IntervalEnum",
    "InvoiceLineOutput",
    "InvoiceLineOutputGroupType0",
    "InvoiceOutput",
    "InvoiceRunOutput",
    "InvoiceRunStatusEnum",
    "InvoicesExportFormat",
    "InvoicesListStatus",
    "InvoiceStatusEnum",
    "InvoiceTaxOutput",
    "InvoiceTierOutput",
    "KindEnum",
    "LineEventOutput",
    "LineEventOutputProperties",
    "LineEventsOutput",
    "LoginInputRequest",
    "LoginOutput",
    "MeterCreateInputRequest",
    "MeterOutput",
    "MetricsCurrencyMrr",
    "MetricsCurrencyRevenue",
    "MetricsMrrOutput",
    "MetricsRevenueMonth",
    "MetricsRevenueOutput",
    "ModelEnum",
    "OutcomeEnum",
    "PaginatedAlertOutputList",
    "PaginatedApiKeyOutputList",
    "PaginatedAuditEntryOutputList",
    "PaginatedBalanceTransactionOutputList",
    "PaginatedCouponOutputList",
    "PaginatedCreditGrantOutputList",
    "PaginatedCreditNoteOutputList",
    "PaginatedCustomerOutputList",
    "PaginatedDiscountOutputList",
    "PaginatedInvoiceOutputList",
    "PaginatedMeterOutputList",
    "PaginatedPlanOutputList",
    "PaginatedSubscriptionOutputList",
    "PaginatedTaxRateOutputList",
    "PaginatedUsageEventOutputList",
    "PaginatedUserOutputList",
    "PaginatedWebhookDeliveryOutputList",
    "PaginatedWebhookEndpointOutputList",
    "PatchedCouponUpdateInputRequest",
    "PatchedCustomerUpdateInputRequest",
    "PatchedCustomerUpdateInputRequestMetadata",
    "PatchedPlanUpdateInputRequest",
    "PatchedTaxRateUpdateInputRequest",
    "PatchedTenantUpdateInputRequest",
    "PatchedWebhookEndpointInputRequest",
    "PaymentWebhookDataRequest",
    "PaymentWebhookInputRequest",
    "PaymentWebhookInputTypeEnum",
    "PaymentWebhookOutput",
    "PendingChangeOutput",
    "PlanCreateInputRequest",
    "PlanOutput",
    "PortalSessionOutput",
    "ReasonEnum",
    "RefundStatusEnum",
    "RoleEnum",
    "RunInputRequest",
    "RunQueuedOutput",
    "ServerErrorEnum",
    "SignupUser",
    "SubscriptionCreateInputRequest",
    "SubscriptionOutput",
    "SubscriptionsListStatus",
    "SubscriptionStatusEnum",
    "TaxRateCreateInputRequest",
    "TaxRateOutput",
    "TenantDetail",
    "TenantDunningInputRequest",
    "TenantOutput",
    "TenantsCouponsListDuration",
    "TenantsCustomersBalanceTransactionsListCurrency",
    "TenantsCustomersBalanceTransactionsListKind",
    "TenantSignupInputRequest",
    "TenantSignupOutput",
    "TenantsMetersListAggregation",
    "TenantsPlansListInterval",
    "ThresholdInputRequest",
    "ThresholdOutput",
    "TierInputRequest",
    "TierOutput",
    "TokenRefresh",
    "TokenRefreshRequest",
    "UpcomingInvoiceOutput",
    "UsageAmendInputRequest",
    "UsageAmendInputRequestPropertiesType0",
    "UsageBatchInputRequest",
    "UsageBatchOutput",
    "UsageEventInputRequest",
    "UsageEventInputRequestPropertiesType0",
    "UsageEventOutput",
    "UsageEventOutputProperties",
    "UsageEventRevisionList",
    "UsageEventRevisionOutput",
    "UsageEventRevisionOutputProperties",
    "UsageVoidInputRequest",
    "UserCreateInputRequest",
    "UserOutput",
    "WebhookDeliveriesListEventType",
    "WebhookDeliveriesListStatus",
    "WebhookDeliveryDetailOutput",
    "WebhookDeliveryOutput",
    "WebhookDeliveryStatusEnum",
    "WebhookEndpointCreatedOutput",
    "WebhookEndpointInputRequest",
    "WebhookEndpointOutput",
    "WebhookEventOutput",
)
