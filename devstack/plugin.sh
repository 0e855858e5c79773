#!/usr/bin/env bash
# Devstack plugin of Mistral: installs the service, creates its database,
# registers it in Keystone (service type "workflowv2"), writes its
# configuration and runs api, engine, executor and the other services.
#
# The registration step only needs python-openstackclient and admin
# credentials in the OS_* variables, so it can also be used on its own:
#     MISTRAL_PLUGIN_LIBRARY=1 source devstack/plugin.sh
#     create_mistral_accounts

_MISTRAL_PLUGIN_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$_MISTRAL_PLUGIN_DIR/settings"

# The API URL the catalog points clients at.
function mistral_api_url {
    echo "$MISTRAL_SERVICE_PROTOCOL://$MISTRAL_SERVICE_HOST:$MISTRAL_SERVICE_PORT/v2"
}

# Service user with the service role, the "workflowv2" service and its
# public, internal and admin endpoints. Running it twice changes nothing.
function create_mistral_accounts {
    local password=${MISTRAL_SERVICE_PASSWORD:-${SERVICE_PASSWORD:?set MISTRAL_SERVICE_PASSWORD}}
    openstack user create "$MISTRAL_SERVICE_USER" --or-show \
        --domain default --password "$password" >/dev/null
    openstack project create "$MISTRAL_SERVICE_PROJECT" --or-show \
        --domain default >/dev/null
    openstack role create service --or-show >/dev/null
    openstack role add --user "$MISTRAL_SERVICE_USER" --user-domain default \
        --project "$MISTRAL_SERVICE_PROJECT" --project-domain default service

    local service_id
    service_id=$(openstack service list -f value -c ID -c Type |
        awk '$2 == "workflowv2" {print $1; exit}')
    if [[ -z "$service_id" ]]; then
        service_id=$(openstack service create --name mistral \
            --description "Workflow Service" workflowv2 -f value -c id)
    fi
    local url interface existing
    url=$(mistral_api_url)
    existing=$(openstack endpoint list --service "$service_id" \
        --region "$MISTRAL_REGION" -f value -c Interface)
    for interface in public internal admin; do
        if ! grep -qx "$interface" <<<"$existing"; then
            openstack endpoint create --region "$MISTRAL_REGION" \
                "$service_id" "$interface" "$url" >/dev/null
        fi
    done
}

function install_mistral {
    setup_develop "$MISTRAL_DIR"
}

function configure_mistral {
    sudo install -d -o "$STACK_USER" "$MISTRAL_CONF_DIR"
    rm -f "$MISTRAL_CONF_FILE"
    iniset "$MISTRAL_CONF_FILE" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$MISTRAL_CONF_FILE" DEFAULT transport_url "$(get_transport_url)"
    iniset "$MISTRAL_CONF_FILE" database connection "$(database_connection_url mistral)"
    iniset "$MISTRAL_CONF_FILE" api host "$MISTRAL_SERVICE_HOST"
    iniset "$MISTRAL_CONF_FILE" api port "$MISTRAL_SERVICE_PORT"
    iniset "$MISTRAL_CONF_FILE" pecan auth_enable True
    iniset "$MISTRAL_CONF_FILE" oslo_policy policy_file "$MISTRAL_POLICY_FILE"
    # devstack's helper for [keystone_authtoken] with the service user.
    configure_keystone_authtoken_middleware "$MISTRAL_CONF_FILE" "$MISTRAL_SERVICE_USER"
}

function init_mistral {
    recreate_database mistral
    mistral-db-manage --config-file "$MISTRAL_CONF_FILE" upgrade head
}

function start_mistral {
    local service
    for service in api engine executor notifier periodic event-engine; do
        if is_service_enabled "mistral-$service"; then
            run_process "mistral-$service" \
                "$(which mistral-server) --server $service --config-file $MISTRAL_CONF_FILE"
        fi
    done
}

function stop_mistral {
    local service
    for service in api engine executor notifier periodic event-engine; do
        stop_process "mistral-$service"
    done
}

function cleanup_mistral {
    sudo rm -rf "$MISTRAL_CONF_DIR"
}

if [[ -n "${MISTRAL_PLUGIN_LIBRARY:-}" ]]; then
    return 0 2>/dev/null || exit 0
fi

if is_service_enabled mistral; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        install_mistral
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        configure_mistral
        if is_service_enabled keystone; then
            create_mistral_accounts
        fi
        init_mistral
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        start_mistral
    fi
    if [[ "$1" == "unstack" ]]; then
        stop_mistral
    fi
    if [[ "$1" == "clean" ]]; then
        cleanup_mistral
    fi
fi
