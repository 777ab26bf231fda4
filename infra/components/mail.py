"""SES: the sender domain's identity, a configuration set, and an SNS topic that receives
bounces and complaints (a later issue subscribes the handler that suppresses addresses)."""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_ses as ses
from aws_cdk import aws_sns as sns
from constructs import Construct

FEEDBACK_EVENTS = (ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT,
                   ses.EmailSendingEvent.REJECT)


class Mail(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, stage: str, domain: str,
                 sender: str, manage_identity: bool) -> None:
        super().__init__(scope, construct_id)
        self.domain, self.sender = domain, sender
        self.configuration_set = ses.ConfigurationSet(
            self, "ConfigurationSet", configuration_set_name=f"arhivar-{stage}",
            reputation_metrics=True, sending_enabled=True)
        self.feedback_topic = sns.Topic(self, "FeedbackTopic", topic_name=f"arhivar-{stage}-mail-feedback",
                                        display_name="Arhivar: SES bounces and complaints")
        self.configuration_set.add_event_destination(
            "Feedback", destination=ses.EventDestination.sns_topic(self.feedback_topic),
            events=list(FEEDBACK_EVENTS))
        if manage_identity:
            # The configuration set is the identity's default, so every message sent from the
            # domain reports its bounces and complaints without the code naming the set.
            identity = ses.EmailIdentity(self, "DomainIdentity", identity=ses.Identity.domain(domain),
                                         configuration_set=self.configuration_set)
            for n, record in enumerate(identity.dkim_records, start=1):
                CfnOutput(self, f"DkimRecord{n}", value=f"{record.name} CNAME {record.value}",
                          description=f"DNS record {n}/3 that verifies {domain} for SES")

    def identity_arns(self) -> list[str]:
        stack = Stack.of(self)
        return [stack.format_arn(service="ses", resource="identity", resource_name=name)
                for name in (self.domain, self.sender)] + [
            stack.format_arn(service="ses", resource="configuration-set",
                             resource_name=self.configuration_set.configuration_set_name)]
