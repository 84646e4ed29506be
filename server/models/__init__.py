"""Every table of Carnet's domain (DESIGN.md), in families, one module each; `from server.models import X` for any.

- base: opaque ids, the clock, the categories of documents;
- people: patients, professionals, accounts, and what logs them in;
- dossier: documents, who may read them, the profil médical;
- log: the access log and what readers saw of it;
- exchanges: the insurer's feed, FHIR API clients, SMART Health Links.
"""

from __future__ import annotations

from .base import CATEGORIES, add_months, clock_at, new_id, paris_today, utcnow  # noqa: F401
from .dossier import (  # noqa: F401
    AccountNotice, Block, CaregiverInvitation, Delegation, Document, DocumentPage, DocumentText, Dossier, EmergencyAccess,
    FileRelease, Grant, ProfileItem, ShareCode,
)
from .exchanges import (  # noqa: F401
    ApiAssertion, ApiClient, ApiToken, ReimbursementLine, RetractedLine, ShareLink, SpentLocation,
)
from .log import (  # noqa: F401
    AccessEvent, BannerSeen, ChainHead, LogProfessional, LogSubject, LogVisit, Notification, PushSubscription,
    TimelineVisit,
)
from .people import (  # noqa: F401
    WORD_TYPE, Account, ActivationCode, FormSubmission, Passkey, PasskeyChallenge, Patient, Professional, ProfessionalWord,
    RecoveryCode, Throttle, WebSession,
)
