"""Contains all the data models used in inputs/outputs"""

from .actor_out import ActorOut
from .actor_out_credential import ActorOutCredential
from .add_suppressions_in import AddSuppressionsIn
from .add_suppressions_in_reason_type_0 import AddSuppressionsInReasonType0
from .algorithm import Algorithm
from .api_key_out import ApiKeyOut
from .attachment_in import AttachmentIn
from .attachment_out import AttachmentOut
from .auth_key_out import AuthKeyOut
from .auth_result_out import AuthResultOut
from .batch_in import BatchIn
from .batch_out import BatchOut
from .bounce_out import BounceOut
from .change_in import ChangeIn
from .complaint_out import ComplaintOut
from .create_api_key import CreateApiKey
from .create_domain import CreateDomain
from .create_inbox import CreateInbox
from .create_webhook import CreateWebhook
from .created_api_key_out import CreatedApiKeyOut
from .delay_out import DelayOut
from .delivery_event_out import DeliveryEventOut
from .delivery_event_out_details import DeliveryEventOutDetails
from .delivery_filter import DeliveryFilter
from .delivery_out import DeliveryOut
from .delivery_state import DeliveryState
from .direction import Direction
from .disabled_reason import DisabledReason
from .dmarc_report_out import DmarcReportOut
from .dmarc_report_with_rows_out import DmarcReportWithRowsOut
from .dmarc_summary_out import DmarcSummaryOut
from .domain_out import DomainOut
from .domain_stats_out import DomainStatsOut
from .domain_status import DomainStatus
from .draft_in import DraftIn
from .draft_in_headers import DraftInHeaders
from .draft_in_metadata import DraftInMetadata
from .emptied_out import EmptiedOut
from .error import Error
from .error_body import ErrorBody
from .error_body_details import ErrorBodyDetails
from .error_body_type import ErrorBodyType
from .event_out import EventOut
from .event_out_data import EventOutData
from .event_type_out import EventTypeOut
from .event_type_out_example import EventTypeOutExample
from .event_type_out_payload_schema import EventTypeOutPayloadSchema
from .event_types_out import EventTypesOut
from .events_out import EventsOut
from .folder_in import FolderIn
from .folder_out import FolderOut
from .health import Health
from .inbox_out import InboxOut
from .inbox_stats_out import InboxStatsOut
from .item_error_out import ItemErrorOut
from .item_result_out import ItemResultOut
from .item_results_out import ItemResultsOut
from .label_out import LabelOut
from .labels_in import LabelsIn
from .link_out import LinkOut
from .list_of_api_key_out import ListOfApiKeyOut
from .list_of_auth_key_out import ListOfAuthKeyOut
from .list_of_dmarc_report_out import ListOfDmarcReportOut
from .list_of_domain_out import ListOfDomainOut
from .list_of_folder_out import ListOfFolderOut
from .list_of_inbox_out import ListOfInboxOut
from .list_of_label_out import ListOfLabelOut
from .list_of_message_out import ListOfMessageOut
from .list_of_search_hit_out import ListOfSearchHitOut
from .list_of_suppression_out import ListOfSuppressionOut
from .list_of_thread_out import ListOfThreadOut
from .list_of_webhook_delivery_out import ListOfWebhookDeliveryOut
from .list_of_webhook_out import ListOfWebhookOut
from .message_out import MessageOut
from .message_out_headers_item import MessageOutHeadersItem
from .message_out_metadata import MessageOutMetadata
from .message_out_verdicts import MessageOutVerdicts
from .outcome import Outcome
from .outcome_out import OutcomeOut
from .pause_figures_out import PauseFiguresOut
from .policy_out import PolicyOut
from .rate_out import RateOut
from .rates_out import RatesOut
from .recipient_out import RecipientOut
from .recommendation_out import RecommendationOut
from .record_out import RecordOut
from .record_purpose import RecordPurpose
from .record_status import RecordStatus
from .recover_in import RecoverIn
from .recover_out import RecoverOut
from .register_auth_key import RegisterAuthKey
from .register_auth_key_public_key_type_1 import RegisterAuthKeyPublicKeyType1
from .remove_suppressions_in import RemoveSuppressionsIn
from .reply_in import ReplyIn
from .reply_in_headers import ReplyInHeaders
from .reply_in_metadata import ReplyInMetadata
from .report_format import ReportFormat
from .report_row_out import ReportRowOut
from .report_status import ReportStatus
from .reschedule_in import RescheduleIn
from .resume_sending import ResumeSending
from .rotate_secret_in import RotateSecretIn
from .rule_out import RuleOut
from .scan_out import ScanOut
from .scan_verdict import ScanVerdict
from .scope import Scope
from .search_from_out import SearchFromOut
from .search_hit_out import SearchHitOut
from .send_in import SendIn
from .send_in_headers import SendInHeaders
from .send_in_metadata import SendInMetadata
from .sender_out import SenderOut
from .sending_out import SendingOut
from .snippet_out import SnippetOut
from .source_out import SourceOut
from .suppression_in import SuppressionIn
from .suppression_in_reason import SuppressionInReason
from .suppression_out import SuppressionOut
from .suppression_out_details import SuppressionOutDetails
from .suppression_outcome import SuppressionOutcome
from .suppression_reason import SuppressionReason
from .thread_out import ThreadOut
from .thread_with_messages_out import ThreadWithMessagesOut
from .update_domain import UpdateDomain
from .update_inbox import UpdateInbox
from .update_webhook import UpdateWebhook
from .upload_in import UploadIn
from .upload_out import UploadOut
from .verdict import Verdict
from .verification import Verification
from .webhook_attempt_out import WebhookAttemptOut
from .webhook_attempt_out_trigger import WebhookAttemptOutTrigger
from .webhook_delivery_out import WebhookDeliveryOut
from .webhook_out import WebhookOut
from .webhook_test_out import WebhookTestOut
from .webhook_with_secret_out import WebhookWithSecretOut
from .window_out import WindowOut

__all__ = (
    "ActorOut",
    "ActorOutCredential",
    "AddSuppressionsIn",
    "AddSuppressionsInReasonType0",
    "Algorithm",
    "ApiKeyOut",
    "AttachmentIn",
    "AttachmentOut",
    "AuthKeyOut",
    "AuthResultOut",
    "BatchIn",
    "BatchOut",
    "BounceOut",
    "ChangeIn",
    "ComplaintOut",
    "CreateApiKey",
    "CreateDomain",
    "CreateInbox",
    "CreateWebhook",
    "CreatedApiKeyOut",
    "DelayOut",
    "DeliveryEventOut",
    "DeliveryEventOutDetails",
    "DeliveryFilter",
    "DeliveryOut",
    "DeliveryState",
    "Direction",
    "DisabledReason",
    "DmarcReportOut",
    "DmarcReportWithRowsOut",
    "DmarcSummaryOut",
    "DomainOut",
    "DomainStatsOut",
    "DomainStatus",
    "DraftIn",
    "DraftInHeaders",
    "DraftInMetadata",
    "EmptiedOut",
    "Error",
    "ErrorBody",
    "ErrorBodyDetails",
    "ErrorBodyType",
    "EventOut",
    "EventOutData",
    "EventTypeOut",
    "EventTypeOutExample",
    "EventTypeOutPayloadSchema",
    "EventTypesOut",
    "EventsOut",
    "FolderIn",
    "FolderOut",
    "Health",
    "InboxOut",
    "InboxStatsOut",
    "ItemErrorOut",
    "ItemResultOut",
    "ItemResultsOut",
    "LabelOut",
    "LabelsIn",
    "LinkOut",
    "ListOfApiKeyOut",
    "ListOfAuthKeyOut",
    "ListOfDmarcReportOut",
    "ListOfDomainOut",
    "ListOfFolderOut",
    "ListOfInboxOut",
    "ListOfLabelOut",
    "ListOfMessageOut",
    "ListOfSearchHitOut",
    "ListOfSuppressionOut",
    "ListOfThreadOut",
    "ListOfWebhookDeliveryOut",
    "ListOfWebhookOut",
    "MessageOut",
    "MessageOutHeadersItem",
    "MessageOutMetadata",
    "MessageOutVerdicts",
    "Outcome",
    "OutcomeOut",
    "PauseFiguresOut",
    "PolicyOut",
    "RateOut",
    "RatesOut",
    "RecipientOut",
    "RecommendationOut",
    "RecordOut",
    "RecordPurpose",
    "RecordStatus",
    "RecoverIn",
    "RecoverOut",
    "RegisterAuthKey",
    "RegisterAuthKeyPublicKeyType1",
    "RemoveSuppressionsIn",
    "ReplyIn",
    "ReplyInHeaders",
    "ReplyInMetadata",
    "ReportFormat",
    "ReportRowOut",
    "ReportStatus",
    "RescheduleIn",
    "ResumeSending",
    "RotateSecretIn",
    "RuleOut",
    "ScanOut",
    "ScanVerdict",
    "Scope",
    "SearchFromOut",
    "SearchHitOut",
    "SendIn",
    "SendInHeaders",
    "SendInMetadata",
    "SenderOut",
    "SendingOut",
    "SnippetOut",
    "SourceOut",
    "SuppressionIn",
    "SuppressionInReason",
    "SuppressionOut",
    "SuppressionOutDetails",
    "SuppressionOutcome",
    "SuppressionReason",
    "ThreadOut",
    "ThreadWithMessagesOut",
    "UpdateDomain",
    "UpdateInbox",
    "UpdateWebhook",
    "UploadIn",
    "UploadOut",
    "Verdict",
    "Verification",
    "WebhookAttemptOut",
    "WebhookAttemptOutTrigger",
    "WebhookDeliveryOut",
    "WebhookOut",
    "WebhookTestOut",
    "WebhookWithSecretOut",
    "WindowOut",
)
